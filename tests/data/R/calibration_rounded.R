# rms val.prob reference values used by tests/stats/test_calibration.py (ROUNDED_1, ROUNDED_2 and the
# 4- and 3-decimal C (ROC) of the c_index regression test).
# Run: Rscript tests/data/R/calibration_rounded.R > tests/data/R/calibration_rounded.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(rms))
versions("rms")
d <- read.csv(here("calibration_public.csv"))
hl <- function(p, y, g) { br <- unique(quantile(p, seq(0, 1, length.out = g + 1)))
  grp <- cut(p, br, include.lowest = TRUE); o <- tapply(y, grp, sum); e <- tapply(p, grp, sum)
  n <- tapply(y, grp, length); k <- sum(!is.na(n)); s <- sum((o - e)^2 / (e * (1 - e / n)), na.rm = TRUE)
  c(stat = s, p = 1 - pchisq(s, k - 2), groups = k) }
for (dig in c(2, 1)) {
  p <- round(d$p, dig)
  v <- suppressWarnings(val.prob(p, d$y, pl = FALSE))
  cat(sprintf("\np rounded to %d digits:\n", dig))
  print(v[c("C (ROC)", "Intercept", "Slope", "Emax", "Eavg", "E90", "S:z", "S:p", "Brier")], digits = 15)
  cat("HL 10 groups:", sprintf("%.15f", hl(p, d$y, 10)), "\n")
  cat("HL 5 groups:", sprintf("%.15f", hl(p, d$y, 5)), "\n")
}
for (dig in c(4, 3)) {
  v <- val.prob(round(d$p, dig), d$y, pl = FALSE)
  cat(sprintf("C (ROC), p rounded to %d digits: %.15f\n", dig, v["C (ROC)"]))
}
