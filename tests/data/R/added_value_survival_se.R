# Bootstrap SEs of the survival NRI and IDI at t (issue 16), written by hand: the statistics of
# added_value_survival.R recomputed on each of the 100 resamples in added_value_survival_boot_idx.csv (1-based row
# numbers, one resample per line, drawn by numpy.random.default_rng(20261203).integers(0, 300, (100, 300)) + 1);
# SE = sd() of the 100 values. KM by survival::survfit (independent of biomark's code).
library(survival)
cat("survival", as.character(packageVersion("survival")), "\n")
d <- read.csv("added_value_survival.csv")
idx <- as.matrix(read.csv("added_value_survival_boot_idx.csv", header = FALSE))
km_at <- function(time, event, t) {
  if (length(time) == 0) return(1)
  summary(survfit(Surv(time, event) ~ 1), times = t, extend = TRUE)$surv
}
nri_idi <- function(time, event, a, b, t) {
  S <- km_at(time, event, t); up <- b > a; down <- b < a
  Su <- km_at(time[up], event[up], t); Sd <- km_at(time[down], event[down], t)
  ne <- ((1 - Su) * mean(up) - (1 - Sd) * mean(down)) / (1 - S); nn <- (Sd * mean(down) - Su * mean(up)) / S
  Gf <- survfit(Surv(time, 1 - event) ~ 1)
  gl <- function(u) sapply(u, function(v) { k <- which(Gf$time < v); if (length(k) == 0) 1 else Gf$surv[max(k)] })
  case <- time <= t & event == 1; ctrl <- time > t; dd <- b - a
  wc <- 1 / gl(time[case]); ie <- sum(wc * dd[case]) / sum(wc); inn <- mean(dd[ctrl])
  c(nri = ne + nn, nri_events = ne, nri_nonevents = nn, idi = ie - inn)
}
for (t in c(0.5, 1.0)) {
  est <- nri_idi(d$time, d$event, d$risk_old, d$risk_new, t)
  V <- t(apply(idx, 1, function(i) nri_idi(d$time[i], d$event[i], d$risk_old[i], d$risk_new[i], t)))
  se <- apply(V, 2, sd)
  cat(sprintf("t=%.1f nri=%.12f se_nri=%.12f se_nri_events=%.12f se_nri_nonevents=%.12f idi=%.12f se_idi=%.12f\n",
              t, est[1], se[1], se[2], se[3], est[4], se[4]))
}
