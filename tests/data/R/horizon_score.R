# Reference values for biomark.stats.horizon / brier / timeauc (issue 17) on survival's pbc data
# (first 312 patients, death = event, transplant censored, follow-up in whole months so that
# there are many tied times). The data are written to tests/data/horizon_pbc.csv; no other test
# uses them. Predicted risks 1 - S(t|x) come from survfit(coxph, newdata) and are passed to
# riskRegression::Score as matrices, so Score's numbers check the Brier/IPA/AUC code alone.
# Run: Rscript tests/data/R/horizon_score.R > tests/data/R/horizon_score.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages({library(survival); library(riskRegression); library(prodlim)})
versions(c("survival", "riskRegression", "prodlim"))
p <- pbc[1:312, ]
d <- data.frame(time = pmax(1, round(p$time / 30.4375)), event = as.integer(p$status == 2),
                age = round(p$age, 2), logbili = round(log(p$bili), 4), albumin = p$albumin, edema = p$edema)
write.csv(d, here("horizon_pbc.csv"), row.names = FALSE)
cat("n", nrow(d), "events", sum(d$event), "distinct times", length(unique(d$time)), "\n")
times <- c(12, 36, 60)
f1 <- coxph(Surv(time, event) ~ age + logbili + albumin + edema, data = d, ties = "efron")
f2 <- coxph(Surv(time, event) ~ age + albumin, data = d, ties = "efron")
fb <- coxph(Surv(time, event) ~ age + logbili + albumin + edema, data = d, ties = "breslow")
cat("\ncoef f1 (efron):", sprintf("%.10f", coef(f1)), "\n")
cat("coef f2 (efron):", sprintf("%.10f", coef(f2)), "\n")
cat("coef fb (breslow):", sprintf("%.10f", coef(fb)), "\n")
S <- function(f) t(summary(survfit(f, newdata = d), times = times)$surv)
S1 <- S(f1); S2 <- S(f2); Sb <- S(fb)
rows <- c(1, 2, 3, 50, 100, 312)
cat("\nsurvfit(f1, newdata) S(t|x) rows", rows, "at t = 12, 36, 60:\n"); print(S1[rows, ])
cat("survfit(fb, newdata) S(t|x) (breslow) rows", rows, ":\n"); print(Sb[rows, ])
cat("survfit(f2, newdata) S(t|x) rows", rows, ":\n"); print(S2[rows, ])
new <- data.frame(age = c(40, 70), logbili = c(0, 2), albumin = c(3.5, 3), edema = c(0, 1))
cat("survfit(f1, newdata = new) at t = 12, 36, 60 (rows: new subjects):\n")
print(t(summary(survfit(f1, newdata = new), times = times)$surv))
sc <- Score(list(m1 = 1 - S1, m2 = 1 - S2), formula = Hist(time, event) ~ 1, data = d, times = times,
            metrics = c("auc", "brier"), summary = "ipa", null.model = TRUE, se.fit = TRUE, cens.model = "km")
cat("\nScore AUC:\n"); print(as.data.frame(sc$AUC$score))
cat("\nScore AUC contrasts:\n"); print(as.data.frame(sc$AUC$contrasts))
cat("\nScore Brier:\n"); print(as.data.frame(sc$Brier$score))
# reverse Kaplan-Meier censoring survival at the horizons (prodlim, reverse = TRUE)
G <- prodlim(Hist(time, event) ~ 1, data = d, reverse = TRUE)
cat("\nprodlim reverse KM G(t) at 12, 36, 60:", sprintf("%.12f", predict(G, times = times)), "\n")
# KM of the whole sample at the horizons
km <- summary(survfit(Surv(time, event) ~ 1, data = d), times = times)
cat("KM S(t) at 12, 36, 60:", sprintf("%.12f", km$surv), "\n")
# calibration in the large at t: observed risk (1 - KM) over mean predicted risk
cat("\nO/E at t (m1): observed 1-KM, expected mean(1 - S1), ratio\n")
for (k in seq_along(times)) cat(times[k], sprintf("%.12f", c(1 - km$surv[k], mean(1 - S1[, k]), (1 - km$surv[k]) / mean(1 - S1[, k]))), "\n")
# observed (KM) per tertile of predicted risk at 36 months, mean predicted per tertile
r36 <- 1 - S1[, 2]; g <- cut(r36, quantile(r36, c(0, 1/3, 2/3, 1)), include.lowest = TRUE, labels = FALSE)
cat("\ntertiles of predicted risk at 36: n, mean predicted, observed 1-KM(36)\n")
for (j in 1:3) { kmj <- summary(survfit(Surv(time, event) ~ 1, data = d[g == j, ]), times = 36, extend = TRUE)
  cat(j, sum(g == j), sprintf("%.12f", c(mean(r36[g == j]), 1 - kmj$surv)), "\n") }
# calibration slope at t: Cox regression of the outcome on log(-log S(t|x)) (Austin et al. 2020)
for (k in seq_along(times)) { z <- log(-log(S1[, k])); cs <- coxph(Surv(time, event) ~ z, data = d)
  cat("calibration slope at", times[k], sprintf("%.10f", coef(cs)), "se", sprintf("%.10f", sqrt(vcov(cs))), "\n") }
# survival decision curve at 36 months, the dcurves formula by hand:
# NB = (1 - KM_{risk >= p}(t)) * f - KM_{risk >= p}(t) * f * p / (1 - p), f = share with risk >= p
cat("\nnet benefit at 36 (threshold, model, treat all):\n")
nb <- function(sel, pt) { f <- mean(sel); if (f == 0) return(0)
  s <- summary(survfit(Surv(time, event) ~ 1, data = d[sel, ]), times = 36, extend = TRUE)$surv
  (1 - s) * f - s * f * pt / (1 - pt) }
for (pt in c(0.05, 0.1, 0.2, 0.3, 0.5, 0.8)) cat(pt, sprintf("%.12f", c(nb(r36 >= pt, pt), nb(rep(TRUE, nrow(d)), pt))), "\n")
# a model fitted on rows 1-150 predicting all 312 rows: not calibrated by construction
fh <- coxph(Surv(time, event) ~ age + logbili + albumin + edema, data = d[1:150, ], ties = "efron")
cat("\ncoef fh (rows 1-150):", sprintf("%.10f", coef(fh)), "\n")
Sh <- S(fh)
cat("survfit(fh, newdata = d) S(t|x) rows", rows, ":\n"); print(Sh[rows, ])
for (k in seq_along(times)) { z <- log(-log(Sh[, k])); cs <- coxph(Surv(time, event) ~ z, data = d)
  cat("fh: calibration slope at", times[k], sprintf("%.10f", coef(cs)), "se", sprintf("%.10f", sqrt(vcov(cs))),
      " O/E", sprintf("%.10f", (1 - km$surv[k]) / mean(1 - Sh[, k])), "\n") }
rh <- 1 - Sh[, 2]; g <- cut(rh, quantile(rh, seq(0, 1, 0.25)), include.lowest = TRUE, labels = FALSE)
cat("fh quartiles of predicted risk at 36: n, mean predicted, observed 1-KM(36), lower, upper (log CI of S)\n")
for (j in 1:4) { kmj <- summary(survfit(Surv(time, event) ~ 1, data = d[g == j, ]), times = 36, extend = TRUE)
  cat(j, sum(g == j), sprintf("%.12f", c(mean(rh[g == j]), 1 - kmj$surv, 1 - kmj$upper, 1 - kmj$lower)), "\n") }
cat("fh net benefit at 36 (threshold, model):\n")
for (pt in c(0.05, 0.1, 0.2, 0.3, 0.5)) cat(pt, sprintf("%.12f", nb(rh >= pt, pt)), "\n")
