# Pseudo-observations of the risk by t (jackknife of 1 - KM(t)) and the lowess calibration curve at t,
# for biomark.stats.horizon_calibration.calibration_curve_at (issue 17), on tests/data/horizon_pbc.csv.
# Run: Rscript tests/data/R/horizon_pseudo.R > tests/data/R/horizon_pseudo.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages({library(survival); library(prodlim)})
versions(c("survival", "prodlim"))
d <- read.csv(here("horizon_pbc.csv"))
f1 <- coxph(Surv(time, event) ~ age + logbili + albumin + edema, data = d, ties = "efron")
S36 <- summary(survfit(f1, newdata = d), times = 36)$surv[1, ]
r36 <- 1 - as.numeric(S36)
jk <- jackknife(prodlim(Hist(time, event) ~ 1, data = d), times = 36)
pseudo <- 1 - as.numeric(jk)
rows <- c(1, 2, 3, 50, 100, 312)
cat("pseudo-observations of the risk by 36, rows", rows, ":\n"); print(pseudo[rows])
cat("mean pseudo", sprintf("%.12f", mean(pseudo)), " 1-KM(36)",
    sprintf("%.12f", 1 - summary(survfit(Surv(time, event) ~ 1, data = d), times = 36)$surv), "\n")
lw <- lowess(r36, pseudo, iter = 0)
grid <- c(0.05, 0.1, 0.2, 0.4, 0.6, 0.8)
cat("lowess(r36, pseudo, iter = 0) interpolated at", grid, ":\n")
print(approx(lw$x, lw$y, xout = grid, ties = mean)$y)
