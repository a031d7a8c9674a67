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
