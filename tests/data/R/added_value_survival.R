# Survival NRI, IDI and net benefit at a horizon t, written by hand from the formulas (issue 16):
# survIDINRI and dcurves are not installed here. KM from survival::survfit (independent of biomark's code).
# Data: added_value_survival.csv (simulated in Python, seed 20261202; time rounded to 0.01 so ties occur, and 0 set to 0.01).
# NRI: Pencina, D'Agostino & Steyerberg (2011) Stat Med 30:11, sec. 4 (KM within the up/down groups).
# IDI: Uno et al. (2013) Stat Med 32:2430, IPCW with the KM of the censoring times, G(T_i-).
# Net benefit: Vickers et al. (2008) BMC Med Inform Decis Mak 8:53 (KM among those above the threshold).
library(survival)
cat("survival", as.character(packageVersion("survival")), "\n")
d <- read.csv("added_value_survival.csv")
km_at <- function(time, event, t) {
  if (length(time) == 0) return(1)
  f <- survfit(Surv(time, event) ~ 1)
  s <- summary(f, times = t, extend = TRUE)$surv
  s
}
G <- survfit(Surv(d$time, 1 - d$event) ~ 1)
Gleft <- function(u) {  # G(u-): the censoring KM just before u
  sapply(u, function(v) { k <- which(G$time < v); if (length(k) == 0) 1 else G$surv[max(k)] })
}
for (t in c(0.5, 1.0)) {
  S <- km_at(d$time, d$event, t)
  up <- d$risk_new > d$risk_old; down <- d$risk_new < d$risk_old
  Su <- km_at(d$time[up], d$event[up], t); Sd <- km_at(d$time[down], d$event[down], t)
  pu <- mean(up); pd <- mean(down)
  nri_e <- ((1 - Su) * pu - (1 - Sd) * pd) / (1 - S)
  nri_ne <- (Sd * pd - Su * pu) / S
  case <- d$time <= t & d$event == 1; ctrl <- d$time > t
  wc <- 1 / Gleft(d$time[case]); wn <- rep(1 / Gleft(t), sum(ctrl))
  dd <- d$risk_new - d$risk_old
  idi_e <- sum(wc * dd[case]) / sum(wc); idi_ne <- sum(wn * dd[ctrl]) / sum(wn)
  cat(sprintf("t=%.1f S=%.10f nri=%.10f nri_events=%.10f nri_nonevents=%.10f idi=%.10f idi_events=%.10f idi_nonevents=%.10f\n",
              t, S, nri_e + nri_ne, nri_e, nri_ne, idi_e - idi_ne, idi_e, -idi_ne))
  for (pt in c(0.1, 0.3, 0.5)) {
    hi <- d$risk_new >= pt
    Sh <- km_at(d$time[hi], d$event[hi], t); ph <- mean(hi)
    nb <- (1 - Sh) * ph - Sh * ph * pt / (1 - pt)
    nball <- (1 - S) - S * pt / (1 - pt)
    cat(sprintf("t=%.1f pt=%.1f nb_new=%.10f treat_all=%.10f\n", t, pt, nb, nball))
  }
}

## The engine end to end: validate(clinical_model = c("stage", "age"), method = "cox", horizons = c(5, 10)) on
## added_value_data.csv: risks 1 - S(t | x) from survfit(coxph) of each model (Efron), then the formulas above.
d2 <- read.csv("added_value_data.csv"); d2$stage <- factor(d2$stage)
f0 <- coxph(Surv(time, status) ~ stage + age, d2)
f1 <- coxph(Surv(time, status) ~ stage + age + m1 + m2, d2)
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
nbt <- function(time, event, r, t, pt) {
  hi <- r >= pt; if (!any(hi)) return(0)
  Sh <- km_at(time[hi], event[hi], t); (1 - Sh) * mean(hi) - Sh * mean(hi) * pt / (1 - pt)
}
for (t in c(5, 10)) {
  r0 <- 1 - summary(survfit(f0, newdata = d2), times = t)$surv[1, ]
  r1 <- 1 - summary(survfit(f1, newdata = d2), times = t)$surv[1, ]
  v <- nri_idi(d2$time, d2$status, r0, r1, t)
  cat(sprintf("engine t=%g risk0[1:3]=%s risk1[1:3]=%s\n", t, paste(sprintf("%.10f", r0[1:3]), collapse = ","),
              paste(sprintf("%.10f", r1[1:3]), collapse = ",")))
  cat(sprintf("engine t=%g nri=%.10f nri_events=%.10f nri_nonevents=%.10f idi=%.10f\n", t, v[1], v[2], v[3], v[4]))
  cat(sprintf("engine t=%g nb_diff(0.1,0.2,0.3)=%s\n", t, paste(sprintf("%.10f", sapply(c(0.1, 0.2, 0.3), function(p)
    nbt(d2$time, d2$status, r1, t, p) - nbt(d2$time, d2$status, r0, t, p))), collapse = ",")))
}
