# rms::nomogram on an lrm fit (MASS::Pima.tr: linear, rcs and factor terms) and a cph fit (survival::veteran,
# survival at 90 and 180 days via Survival(fit)); data written to CSV for tests/stats/test_nomogram.py.
suppressMessages({library(rms); library(MASS); library(survival)})
cat("R", R.version$major, R.version$minor, " rms", as.character(packageVersion("rms")),
    " survival", as.character(packageVersion("survival")), "\n")
options(digits = 15)
here <- "tests/data/R"

## ---- binary: lrm
d <- Pima.tr
d$y <- as.integer(d$type == "Yes")
d$bpcat <- as.character(cut(d$bp, c(0, 68, 78, 200), labels = c("low", "mid", "high")))
d$bpcat <- factor(d$bpcat, levels = c("high", "low", "mid"))   # alphabetical: reference 'high'
write.csv(d[, c("y", "glu", "bmi", "age", "ped", "bpcat")], file.path(here, "nomogram_pima.csv"), row.names = FALSE)
dd <- datadist(d); options(datadist = "dd")
f <- lrm(y ~ glu + bmi + ped + rcs(age, 4) + bpcat, data = d)
cat("\nLRM coefficients\n"); print(coef(f))
cat("age knots\n"); print(f$Design$parms$age)
nom <- nomogram(f, fun = plogis, funlabel = "Probability")
info <- attr(nom, "info")
cat("sc", info$sc, "\nIntercept", info$Intercept, "\n")
for (v in c("glu", "bmi", "ped", "age", "bpcat")) {
  cat("\nAXIS", v, "\n"); print(data.frame(x = nom[[v]][[v]], Xbeta = nom[[v]]$Xbeta, points = nom[[v]]$points))
}
cat("\nTOTAL\n"); print(nom$total.points$x)
cat("\nLP\n"); print(data.frame(real = nom$lp$x.real, points = nom$lp$x))
cat("\nFUN Probability\n"); print(data.frame(value = nom$Probability$x.real, points = nom$Probability$x))
tot <- c(0, 50, 100, 150, 200)
lp <- info$Intercept + tot / info$sc
cat("\nMAP\n"); print(data.frame(total = tot, lp = lp, prob = plogis(lp)))

## ---- survival: cph
v <- veteran
v$celltype <- as.character(v$celltype)
write.csv(v[, c("time", "status", "karno", "age", "celltype")], file.path(here, "nomogram_veteran.csv"), row.names = FALSE)
v$celltype <- factor(v$celltype)
dd <- datadist(v); options(datadist = "dd")
g <- cph(Surv(time, status) ~ karno + age + celltype, data = v, surv = TRUE, x = TRUE, y = TRUE)
cat("\nCPH coefficients\n"); print(coef(g)); cat("center", g$center, "\n")
S <- Survival(g)
s90 <- function(lp) S(90, lp); s180 <- function(lp) S(180, lp)
nom <- nomogram(g, fun = list(s90, s180), funlabel = c("S(90)", "S(180)"))
info <- attr(nom, "info")
cat("sc", info$sc, "\nIntercept", info$Intercept, "\n")
for (w in c("karno", "age", "celltype")) {
  cat("\nAXIS", w, "\n"); print(data.frame(x = nom[[w]][[w]], Xbeta = nom[[w]]$Xbeta, points = nom[[w]]$points))
}
cat("\nTOTAL\n"); print(nom$total.points$x)
cat("\nLP\n"); print(data.frame(real = nom$lp$x.real, points = nom$lp$x))
cat("\nFUN S(90)\n"); print(data.frame(value = nom[["S(90)"]]$x.real, points = nom[["S(90)"]]$x))
cat("\nFUN S(180)\n"); print(data.frame(value = nom[["S(180)"]]$x.real, points = nom[["S(180)"]]$x))
tot <- c(0, 50, 100, 150)
lp <- info$Intercept + tot / info$sc
# S(t | lp) from survival::survfit(coxph) (the Breslow/Efron baseline biomark uses) and from rms Survival(cph)
# (coxph held at cph's coefficients: cph stops at a looser convergence tolerance than coxph, ~5e-5 relative)
cat("coxph coefficients (converged)\n"); print(coef(coxph(Surv(time, status) ~ karno + age + celltype, data = v)))
cf <- coxph(Surv(time, status) ~ karno + age + celltype, data = v, ties = "efron", init = coef(g),
            control = coxph.control(iter.max = 0))
ref <- v[1, ]; lp_ref <- predict(g, newdata = ref)   # on cph's (the nomogram's) centring, not coxph's
sf <- summary(survfit(cf, newdata = ref), times = c(90, 180))$surv
map <- data.frame(total = tot, lp = lp, surv90_survfit = sf[1]^exp(lp - lp_ref), surv180_survfit = sf[2]^exp(lp - lp_ref),
                  surv90_rms = S(90, lp), surv180_rms = S(180, lp))
cat("\nMAP\n"); print(map)
