# Reference power for biomark.screen_power (issue 19): the DeLong/Wald test of one AUC against 0.5
# at AUC 0.65 (binormal), pROC::power.roc.test (Obuchowski & McClish 1997), two-sided, level 0.05;
# and the Cox test of a standard-normal covariate at HR 1.5 per SD (Hsieh & Lavori 2000 formula).
library(pROC)
cat("pROC", as.character(packageVersion("pROC")), "\n")
for (nc in c(30, 60, 100)) {
  p <- power.roc.test(auc = 0.65, ncases = nc, ncontrols = nc, sig.level = 0.05)$power
  cat(sprintf("auc=0.65 ncases=%d ncontrols=%d power=%.10f\n", nc, nc, p))
}
p <- power.roc.test(auc = 0.65, ncases = 40, ncontrols = 80, sig.level = 0.05)$power
cat(sprintf("auc=0.65 ncases=40 ncontrols=80 power=%.10f\n", p))
for (d in c(30, 60, 120)) {
  p <- pnorm(sqrt(d) * log(1.5) - qnorm(0.975))
  cat(sprintf("hr=1.5 events=%d power_hsieh_lavori=%.10f\n", d, p))
}
