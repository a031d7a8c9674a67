# Reference for biomark.stats.lowess_grid / lowess_calibration_error / bootstrap_calibration on a logistic
# model: rms::calibrate(lrm, B) (lowess of y on predicted probability, bootstrap optimism), on MASS::birthwt
# (low ~ age + lwt + smoke + ptl + ht + ui), written to horizon_calibrate_birthwt.csv.
# Run: Rscript horizon_calibrate_lrm.R > horizon_calibrate_lrm.Rout
suppressMessages(library(rms))
d <- MASS::birthwt[, c("low", "age", "lwt", "smoke", "ptl", "ht", "ui")]
write.csv(d, "horizon_calibrate_birthwt.csv", row.names = FALSE)
f <- lrm(low ~ age + lwt + smoke + ptl + ht + ui, data = d, x = TRUE, y = TRUE)
set.seed(20261204)
cal <- calibrate(f, B = 2000)
options(digits = 8)
print(unclass(cal)[, c("predy", "calibrated.orig", "calibrated.corrected", "optimism", "n")])
set.seed(9)
reps <- replicate(40, unclass(calibrate(f, B = 50))[, "optimism"])
cat("max MC SE of optimism at B = 2000:", max(apply(reps, 1, sd) * sqrt(50 / 2000)), "\n")
cat("rms", as.character(packageVersion("rms")), "\n")
