# Reference for biomark.stats.bootstrap_calibration / km_group_calibration (issue 17, item 2):
# rms::calibrate(cph, cmethod = "KM", u, m, B) on survival::lung (complete cases of age, ph.karno,
# wt.loss), written to horizon_calibrate_lung.csv (time in days, event 1 = died).
# Run: Rscript horizon_calibrate.R > horizon_calibrate.Rout
suppressMessages(library(rms))
d <- survival::lung
d <- d[complete.cases(d[, c("time", "status", "age", "ph.karno", "wt.loss")]), ]
d <- data.frame(time = d$time, event = as.integer(d$status == 2), age = d$age,
                ph_karno = d$ph.karno, wt_loss = d$wt.loss)
write.csv(d, "horizon_calibrate_lung.csv", row.names = FALSE)
cat("n =", nrow(d), " events =", sum(d$event), "\n")
u <- 365
f <- cph(Surv(time, event) ~ age + ph_karno + wt_loss, data = d, x = TRUE, y = TRUE,
         surv = TRUE, time.inc = u)
g <- 4
m <- floor(nrow(d) / g)
set.seed(20261202)
cal <- calibrate(f, cmethod = "KM", u = u, m = m, B = 2000)
options(digits = 8)
print(unclass(cal)[, c("index.orig", "training", "test", "mean.optimism", "mean.corrected", "n",
                       "mean.predicted", "KM", "KM.corrected")])
# Monte-Carlo SE of the mean optimism: the SD of training - test over resamples / sqrt(B), estimated
# from 40 independent repetitions of calibrate at B = 50 (SD of their optimism * sqrt(50 / 2000)).
set.seed(7)
reps <- replicate(40, unclass(calibrate(f, cmethod = "KM", u = u, m = m, B = 50))[, "mean.optimism"])
cat("MC SE of mean.optimism at B = 2000:\n")
print(apply(reps, 1, sd) * sqrt(50 / 2000))
sessionInfo()$otherPkgs$rms$Version

# Second reference, for biomark.validation.horizon.corrected_calibration: 9 groups (m = 23, floor(214 / 23) = 9).
# Not 10: with 10 groups some cuts fall exactly on a prediction, and R then puts that row in the group
# below or above depending on last-digit noise between its two computations of S(u | x).
m10 <- 23
set.seed(20261203)
cal10 <- suppressWarnings(calibrate(f, cmethod = "KM", u = u, m = m10, B = 2000))
print(unclass(cal10)[, c("mean.optimism", "n", "mean.predicted", "KM", "KM.corrected")])
set.seed(8)
reps10 <- suppressWarnings(replicate(40, unclass(calibrate(f, cmethod = "KM", u = u, m = m10,
                                                           B = 50))[, "mean.optimism"]))
cat("MC SE of mean.optimism at B = 2000 (9 groups):\n")
print(apply(reps10, 1, sd) * sqrt(50 / 2000))
