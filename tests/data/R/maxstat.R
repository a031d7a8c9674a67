# maxstat reference values used by tests/stats/test_cutpoint.py::test_matches_maxstat_on_age and the
# maxprop regression test.
# Run: Rscript tests/data/R/maxstat.R > tests/data/R/maxstat.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages({library(maxstat); library(survival)})
versions(c("maxstat", "survival"))
lung <- read.csv(here("lung.csv"))
for (mp in list(c(0.1, 0.9), c(0.25, 0.75), c(0.25, 0.9))) {
  m <- maxstat.test(Surv(time, event) ~ age, data = lung, smethod = "LogRank", pmethod = "Lau92",
                    minprop = mp[1], maxprop = mp[2])
  cat(sprintf("minprop %.2f maxprop %.2f: cutpoint %s M %.15f p %.15f\n", mp[1], mp[2], m$estimate, m$statistic, m$p.value))
}
m <- maxstat.test(Surv(time, event) ~ age, data = lung, smethod = "LogRank", pmethod = "Lau92", minprop = 0.25)
cat(sprintf("minprop 0.25, maxprop by default (%s): p %.15f\n", "0.9", m$p.value))
