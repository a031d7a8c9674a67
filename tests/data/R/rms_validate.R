# rms validate() reference values used by tests/validate/test_validate.py (lrm) and
# tests/validate/test_survival_cox.py (cph). The bootstrap is random: the tests compare within stated
# tolerances, and the apparent indices exactly. Takes a few minutes (10 x 2000 cph refits).
# Run: Rscript tests/data/R/rms_validate.R > tests/data/R/rms_validate.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages({library(rms); library(survival)})
versions(c("rms", "survival"))
d <- read.csv(here("validate_lrm.csv"), check.names = FALSE)
X <- as.matrix(d[, 2:7])
y <- as.integer(d$response == "radioresistant")
fit <- lrm(y ~ X, x = TRUE, y = TRUE)
set.seed(1)
v <- validate(fit, B = 2000)
cat("lrm validate (validate_lrm.csv, B = 2000, set.seed(1)):\n")
print(v[c("Dxy", "Intercept", "Slope", "B"), c("index.orig", "optimism", "index.corrected")], digits = 10)
lung <- read.csv(here("lung.csv"))
f <- cph(Surv(time, event) ~ age + sex + ph_ecog, data = lung, x = TRUE, y = TRUE)
runs <- t(sapply(1:10, function(s) { set.seed(s); v <- validate(f, B = 2000)
  c(Dxy_orig = v["Dxy", "index.orig"], Dxy_corr = v["Dxy", "index.corrected"], Slope_corr = v["Slope", "index.corrected"]) }))
cat("\ncph validate (lung.csv, B = 2000, set.seed(1..10)):\n")
print(runs, digits = 10)
cat("mean corrected Dxy", sprintf("%.10f", mean(runs[, "Dxy_corr"])), " C", sprintf("%.10f", (mean(runs[, "Dxy_corr"]) + 1) / 2),
    " SD of C", sprintf("%.4f", sd((runs[, "Dxy_corr"] + 1) / 2)), "\n")
cat("mean corrected Slope", sprintf("%.10f", mean(runs[, "Slope_corr"])), " range", sprintf("%.3f", range(runs[, "Slope_corr"])),
    " SD", sprintf("%.4f", sd(runs[, "Slope_corr"])), "\n")
cat("apparent Dxy", sprintf("%.10f", runs[1, "Dxy_orig"]), " C", sprintf("%.10f", (runs[1, "Dxy_orig"] + 1) / 2), "\n")
