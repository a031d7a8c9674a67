# metafor reference values for biomark.stats.remeta (tests/stats/test_remeta.py):
# REML tau^2 with the Hartung-Knapp-Sidik-Jonkman test and the prediction interval of predict().
# Run: Rscript tests/data/R/external_meta.R > tests/data/R/external_meta.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(metafor))
versions("metafor")
show <- function(label, yi, vi, method = "REML", test = "knha") {
  m <- rma(yi = yi, vi = vi, method = method, test = test, control = list(threshold = 1e-12, maxiter = 1000))
  p <- predict(m)
  cat(sprintf("%s %s/%s: mu %.12f se %.12f ci %.12f %.12f pi %.12f %.12f tau2 %.12f I2 %.12f QE %.12f QEp %.12f\n",
              label, method, test, m$b[1], m$se, m$ci.lb, m$ci.ub, p$pi.lb, p$pi.ub, m$tau2, m$I2 / 100, m$QE, m$QEp))
}
# A: five logit AUCs (AUC 0.62..0.81 with DeLong SEs), heterogeneous
auc <- c(0.62, 0.81, 0.70, 0.76, 0.66); se <- c(0.04, 0.035, 0.05, 0.03, 0.045)
yA <- qlogis(auc); vA <- (se / (auc * (1 - auc)))^2
show("A", yA, vA); show("A", yA, vA, test = "z"); show("A", yA, vA, method = "DL")
# B: four calibration slopes, tau^2 at the boundary 0
yB <- c(0.95, 1.02, 0.98, 1.01); vB <- c(0.02, 0.03, 0.025, 0.04)
show("B", yB, vB)
# C: log O:E ratios of six cohorts
yC <- log(c(0.8, 1.3, 1.1, 0.7, 1.6, 0.95)); vC <- c(0.01, 0.02, 0.015, 0.03, 0.025, 0.012)
show("C", yC, vC)
# D: the example of the docstring
show("D", c(0.2, 0.5, 0.35, 0.1), c(0.01, 0.02, 0.015, 0.012))
