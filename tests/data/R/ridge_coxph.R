# Ridge Cox reference coefficients used by tests/validate/test_survival_cox.py::test_ridge_cox_matches_survival_ridge.
# Run: Rscript tests/data/R/ridge_coxph.R > tests/data/R/ridge_coxph.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(survival))
versions("survival")
lung <- read.csv(here("lung.csv"))
z <- function(v) (v - mean(v)) / sd(v)  # SD with n - 1, as the test
z_age <- z(lung$age); z_sex <- z(lung$sex); z_ecog <- z(lung$ph_ecog)
for (th in c(1, 10, 100)) {
  f <- coxph(Surv(time, event) ~ ridge(z_age, z_sex, z_ecog, theta = th, scale = FALSE), data = lung)
  cat(sprintf("theta %g: %s\n", th, paste(sprintf("%.12f", coef(f)), collapse = " ")))
}
