# Case-weighted log-rank and the robust (infinitesimal-jackknife) variance of a weighted Kaplan-Meier
# curve, against survival 3.5.3 (issue 20); tests/stats/test_survival_parity_weighted.py.
# The weighted log-rank has no survdiff counterpart (survdiff has no weights): it is the score test of
# coxph(Surv(time, event) ~ factor(g), weights = w, ties = "breslow") at beta = 0, summary(fit)$sctest.
# Data: tests/data/R/parity_survival.csv (3 groups of 50, half-unit time grid, weights w) with a
# cluster id (2-3 rows per id) added here.
# Run: Rscript tests/data/R/parity_weighted.R > tests/data/R/parity_weighted.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(survival))
versions("survival")
d <- read.csv(here("R", "parity_survival.csv"))
d$id <- rep(1:60, length.out = nrow(d))[order(rep(1:3, length.out = nrow(d)))]
d$s <- ifelse(seq_len(nrow(d)) %% 2 == 0, "u", "v")
write.csv(d[, c("id", "s")], here("R", "parity_weighted_ids.csv"), row.names = FALSE)
f <- function(v) paste(sprintf("%.15g", v), collapse = " ")
sc <- function(fit) summary(fit)$sctest
cat("# weighted log-rank = Breslow coxph score test with weights\n")
ab <- d[d$g != "c", ]
cat("2 groups a,b weighted:", f(sc(coxph(Surv(time, event) ~ factor(g), data = ab, weights = w, ties = "breslow"))), "\n")
fab <- coxph(Surv(time, event) ~ factor(g), data = ab, weights = w, ties = "breslow")
cat("2 groups a,b weighted, robust score test:", f(summary(fab)$robscore), "\n")
cat("2 groups a,b weighted, weights doubled (sctest scales with the weights, robscore does not):",
    f(c(summary(coxph(Surv(time, event) ~ factor(g), data = ab, weights = 2 * w, ties = "breslow"))$sctest[1],
        summary(coxph(Surv(time, event) ~ factor(g), data = ab, weights = 2 * w, ties = "breslow"))$robscore[1])), "\n")
cat("3 groups weighted:", f(sc(coxph(Surv(time, event) ~ factor(g), data = d, weights = w, ties = "breslow"))), "\n")
cat("3 groups weighted, strata s:", f(sc(coxph(Surv(time, event) ~ factor(g) + strata(s), data = d, weights = w, ties = "breslow"))), "\n")
cat("3 groups trend (scores 1,2,3) weighted:", f(sc(coxph(Surv(time, event) ~ as.numeric(factor(g)), data = d, weights = w, ties = "breslow"))), "\n")
cat("2 groups a,b unweighted:", f(sc(coxph(Surv(time, event) ~ factor(g), data = ab, ties = "breslow"))), "\n")
cat("survdiff a,b unweighted (differs by the tie correction):", f(survdiff(Surv(time, event) ~ g, data = ab)$chisq), "\n")
cat("\n# weighted KM, robust = TRUE: std.err is the SE of S (logse FALSE); log CI uses std.err / surv\n")
b <- d[d$g == "b", ]
for (cl in c("none", "id")) {
  s <- if (cl == "none") survfit(Surv(time, event) ~ 1, data = b, weights = w, robust = TRUE)
       else survfit(Surv(time, event) ~ 1, data = b, weights = w, robust = TRUE, cluster = id)
  cat("cluster", cl, "logse", s$logse, "\n")
  cat("time", f(s$time), "\n")
  cat("surv", f(s$surv), "\n")
  cat("std.err", f(s$std.err), "\n")
  cat("lower", f(s$lower), "\n")
  cat("upper", f(s$upper), "\n")
  print(s)
}
s1 <- survfit(Surv(time, event) ~ 1, data = b, robust = TRUE)
cat("unit weights robust std.err", f(s1$std.err), "\n")

cat("\n# robust score tests (summary(fit)$robscore), Breslow\n")
cat("3 groups weighted, robust:", f(summary(coxph(Surv(time, event) ~ factor(g), data = d, weights = w, ties = "breslow"))$robscore), "\n")
cat("3 groups weighted, robust, cluster id:", f(summary(coxph(Surv(time, event) ~ factor(g), data = d, weights = w, ties = "breslow", cluster = id))$robscore), "\n")
cat("3 groups trend weighted, robust:", f(summary(coxph(Surv(time, event) ~ as.numeric(factor(g)), data = d, weights = w, ties = "breslow"))$robscore), "\n")

cat("\n# zero weights (every 5th row of groups a, b): coxph refuses weights of 0 (they must be > 0), so the\n")
cat("# reference is the fit without those rows, which is what a weight of 0 means; survfit accepts them\n")
ab0 <- ab; ab0$w[seq(1, nrow(ab0), by = 5)] <- 0
f0 <- coxph(Surv(time, event) ~ factor(g), data = ab0[ab0$w > 0, ], weights = w, ties = "breslow")
cat("2 groups a,b zero weights:", f(summary(f0)$sctest), "\n")
cat("2 groups a,b zero weights, robust:", f(summary(f0)$robscore), "\n")
s0 <- survfit(Surv(time, event) ~ 1, data = ab0[ab0$g == "b", ], weights = w, robust = TRUE)
cat("km zero weights std.err", f(s0$std.err), "\n")
cat("km zero weights time", f(s0$time), "\n")
