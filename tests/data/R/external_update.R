# Reference values for biomark.stats.updating (closed testing, Vergouwe et al. 2017) and for the per-cohort
# calibration of external validation (rms::val.prob), on tests/data/external_update.csv.
# Run: Rscript tests/data/R/external_update.R > tests/data/R/external_update.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(rms))
versions("rms")
d <- read.csv(here("external_update.csv"))
closed <- function(d, label) {
  m0 <- sum(d$y * d$lp - log1p(exp(d$lp)))
  m1 <- glm(y ~ offset(lp), binomial, d, control = glm.control(epsilon = 1e-14, maxit = 100))
  m2 <- glm(y ~ lp, binomial, d, control = glm.control(epsilon = 1e-14, maxit = 100))
  m3 <- glm(y ~ x1 + x2 + x3, binomial, d, control = glm.control(epsilon = 1e-14, maxit = 100))
  ll <- c(m0, logLik(m1), logLik(m2), logLik(m3))
  cat(sprintf("%s loglik original %.10f citl %.10f recal %.10f revision %.10f\n", label, ll[1], ll[2], ll[3], ll[4]))
  cat(sprintf("%s citl %.10f se %.10f\n", label, coef(m1)[1], sqrt(vcov(m1)[1, 1])))
  cat(sprintf("%s recal a %.10f b %.10f se_a %.10f se_b %.10f\n", label, coef(m2)[1], coef(m2)[2],
              sqrt(vcov(m2)[1, 1]), sqrt(vcov(m2)[2, 2])))
  cat(sprintf("%s revision %s\n", label, paste(sprintf("%.10f", coef(m3)), collapse = " ")))
  cat(sprintf("%s LR vs original %.10f p %.10g | vs citl %.10f p %.10g | vs recal %.10f p %.10g\n", label,
              2 * (ll[4] - ll[1]), pchisq(2 * (ll[4] - ll[1]), 4, lower.tail = FALSE),
              2 * (ll[4] - ll[2]), pchisq(2 * (ll[4] - ll[2]), 3, lower.tail = FALSE),
              2 * (ll[4] - ll[3]), pchisq(2 * (ll[4] - ll[3]), 2, lower.tail = FALSE)))
}
closed(d, "all")
closed(d[1:80, ], "first80")
v <- val.prob(plogis(d$lp), d$y, pl = FALSE)
cat(sprintf("val.prob %s %.10f\n", names(v), v), sep = "")
cat(sprintf("O:E %.10f\n", sum(d$y) / sum(plogis(d$lp))))
