# Reference numbers of tests/validate/test_survival_cox.py::test_ridge_cox_matches_survival_ridge.
# Ridge Cox fits of survival's ridge() on the z-scored age, sex, ph_ecog of tests/data/lung.csv
# (SD with n - 1, as R's scale()), for theta = 1, 10, 100 (the penalty theta/2 ||beta||^2, no rescaling).
# Run from the repository root: Rscript tests/data/ridge_coxph.R   (R 4.2.2, survival 3.5.3)
library(survival)
lung <- read.csv("tests/data/lung.csv")
z <- scale(lung[, c("age", "sex", "ph_ecog")])
z_age <- z[, 1]; z_sex <- z[, 2]; z_ecog <- z[, 3]
for (th in c(1, 10, 100)) {
  fit <- coxph(Surv(time, event) ~ ridge(z_age, z_sex, z_ecog, theta = th, scale = FALSE),
               data = lung, ties = "efron")
  cat(sprintf("theta = %g: %s\n", th, paste(sprintf("%.12f", coef(fit)), collapse = ", ")))
}
