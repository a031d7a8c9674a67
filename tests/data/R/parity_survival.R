# survival reference values for the survival options of issue 20 (tests/stats/test_survival_parity.py).
# survRM2 is not installed on this machine (nor in Debian): its definitions (rmst1/rmst2, Uno et al.
# 2014) are written out by hand below and checked against print(survfit, rmean = tau).
# Run: Rscript tests/data/R/parity_survival.R > tests/data/R/parity_survival.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(survival))
versions("survival")
set.seed(2020)
n <- 150
g <- rep(c("a", "b", "c"), each = 50)
rate <- c(a = 0.10, b = 0.16, c = 0.25)[g]
tt <- ceiling(rexp(n, rate) * 2) / 2               # half-unit grid: ties
cc <- ceiling(runif(n, 2, 25) * 2) / 2
time <- pmin(tt, cc); event <- as.integer(tt <= cc)
w <- round(runif(n, 0.5, 2), 2)
d <- data.frame(time = time, event = event, g = g, w = w)
write.csv(d, here("R", "parity_survival.csv"), row.names = FALSE)
f <- function(x) sprintf("%.15f", x)
cat("## KM conf.type, group a\n")
for (ct in c("log", "log-log", "plain")) {
  s <- survfit(Surv(time, event) ~ 1, data = d[d$g == "a", ], conf.type = ct)
  cat(ct, "lower", f(s$lower), "\n")
  cat(ct, "upper", f(s$upper), "\n")
  cat(ct, "median CI", f(summary(s)$table[c("median", "0.95LCL", "0.95UCL")]), "\n")
}
cat("## KM per group (log)\n")
sg <- survfit(Surv(time, event) ~ g, data = d)
print(summary(sg)$table[, c("records", "events", "median", "0.95LCL", "0.95UCL")])
cat("## weighted KM, group b\n")
sw <- survfit(Surv(time, event) ~ 1, data = d[d$g == "b", ], weights = w, robust = FALSE)
cat("surv", f(sw$surv), "\n")
cat("std.err", f(sw$std.err), "\n")
cat("## survdiff rho\n")
for (rho in c(0, 1, 0.5)) {
  sd <- survdiff(Surv(time, event) ~ g, data = d, rho = rho)
  cat("rho", rho, "chisq", f(sd$chisq), "obs", f(sd$obs), "exp", f(sd$exp), "\n")
}
sd2 <- survdiff(Surv(time, event) ~ g, data = d[d$g != "c", ], rho = 1)
cat("rho 1 a vs b chisq", f(sd2$chisq), "\n")
cat("## RMST, print(survfit, rmean = 10)\n")
print(survfit(Surv(time, event) ~ g, data = d), rmean = 10, digits = 12)
cat("## survRM2 definitions by hand (rmst1 of survRM2 1.0-4)\n")
rmst1 <- function(time, status, tau) {
  ft <- survfit(Surv(time, status) ~ 1)
  idx <- ft$time <= tau
  wk.time <- sort(c(ft$time[idx], tau)); wk.surv <- ft$surv[idx]
  wk.n.risk <- ft$n.risk[idx]; wk.n.event <- ft$n.event[idx]
  time.diff <- diff(c(0, wk.time)); areas <- time.diff * c(1, wk.surv)
  rmst <- sum(areas)
  wk.var <- ifelse((wk.n.risk - wk.n.event) == 0, 0, wk.n.event / (wk.n.risk * (wk.n.risk - wk.n.event)))
  wk.var <- c(wk.var, 0)
  rmst.var <- sum(cumsum(rev(areas[-1]))^2 * rev(wk.var)[-1])
  c(rmst = rmst, se = sqrt(rmst.var))
}
ra <- rmst1(d$time[d$g == "a"], d$event[d$g == "a"], 10)
rb <- rmst1(d$time[d$g == "b"], d$event[d$g == "b"], 10)
cat("rmst a", f(ra), " rmst b", f(rb), "\n")
dif <- rb[1] - ra[1]; sed <- sqrt(ra[2]^2 + rb[2]^2)
cat("diff b-a", f(c(dif, dif - qnorm(0.975) * sed, dif + qnorm(0.975) * sed, 2 * pnorm(-abs(dif / sed)))), "\n")
lr <- log(rb[1] / ra[1]); sel <- sqrt(ra[2]^2 / ra[1]^2 + rb[2]^2 / rb[1]^2)
cat("ratio b/a", f(c(exp(lr), exp(lr - qnorm(0.975) * sel), exp(lr + qnorm(0.975) * sel), 2 * pnorm(-abs(lr / sel)))), "\n")
cat("max follow-up per group", tapply(d$time, d$g, max), "\n")
cat("## stratified Cox: coxph(Surv(time, event) ~ x1 + x2 + strata(g))\n")
set.seed(7)
d$x1 <- round(rnorm(n) + (d$g == "c") * 0.5, 3); d$x2 <- rbinom(n, 1, 0.4)
write.csv(d[, c("time", "event", "g", "x1", "x2")], here("R", "parity_survival_cox.csv"), row.names = FALSE)
for (ties in c("efron", "breslow")) {
  fit <- coxph(Surv(time, event) ~ x1 + x2 + strata(g), data = d, ties = ties)
  cat(ties, "coef", f(coef(fit)), "se", f(sqrt(diag(vcov(fit)))), "loglik", f(fit$loglik), "\n")
  cat(ties, "score test", f(fit$score), "wald", f(fit$wald.test), "\n")
}
cat("## cox.zph transforms: coxph(Surv(time, event) ~ x1 + x2)\n")
fit <- coxph(Surv(time, event) ~ x1 + x2, data = d)
for (tr in c("km", "identity", "rank", "log")) {
  z <- cox.zph(fit, transform = tr)
  cat(tr, "chisq", f(z$table[, "chisq"]), "p", f(z$table[, "p"]), "\n")
}
cat("## concordance with ymax and two fits\n")
f1 <- coxph(Surv(time, event) ~ x1, data = d); f2 <- coxph(Surv(time, event) ~ x2, data = d)
cat("coef signs", sign(coef(f1)), sign(coef(f2)), "\n")
for (tw in c("n", "n/G2")) for (ym in list(NULL, 10)) {
  cc <- if (is.null(ym)) concordance(f1, f2, timewt = tw) else concordance(f1, f2, timewt = tw, ymax = ym)
  cat(tw, "ymax", if (is.null(ym)) "none" else ym, "C", f(cc$concordance), "var", f(cc$var), "\n")
}
cat("## robust sandwich SE: coxph(..., robust = TRUE[, cluster = id])\n")
d$id <- rep(1:75, each = 2)
for (ties in c("efron", "breslow")) {
  fr <- coxph(Surv(time, event) ~ x1 + x2, data = d, ties = ties, robust = TRUE)
  fc <- coxph(Surv(time, event) ~ x1 + x2, data = d, ties = ties, cluster = id)
  cat(ties, "robust se", f(sqrt(diag(fr$var))), "naive se", f(sqrt(diag(fr$naive.var))), "\n")
  cat(ties, "cluster se", f(sqrt(diag(fc$var))), "robust score", f(fc$rscore), "\n")
  cat(ties, "score resid 1:3 x1", f(residuals(fr, "score")[1:3, 1]), "\n")
}
cat("## competing risks: cmprsk::cuminc (status 0 censored, 1 event of interest, 2 competing)\n")
suppressMessages(library(cmprsk)); cat("cmprsk", as.character(packageVersion("cmprsk")), "\n")
set.seed(11)
d$status <- ifelse(d$event == 1, sample(1:2, n, replace = TRUE, prob = c(0.6, 0.4)), 0)
write.csv(d[, c("time", "status", "g")], here("R", "parity_competing.csv"), row.names = FALSE)
ci <- cuminc(d$time, d$status, d$g)
tp <- timepoints(ci, c(2, 5, 10))
print(tp$est, digits = 15); print(tp$var, digits = 15)
cat("Gray's test\n"); print(ci$Tests, digits = 15)
cat("## case weights in Cox: coxph(..., weights = w)\n")
for (ties in c("efron", "breslow")) {
  fw <- coxph(Surv(time, event) ~ x1 + x2, data = d, weights = w, ties = ties)
  cat(ties, "weighted coef", f(coef(fw)), "naive se", f(sqrt(diag(fw$naive.var))), "robust se (the default for non-integer weights)", f(sqrt(diag(fw$var))), "loglik", f(fw$loglik), "\n")
  fr <- coxph(Surv(time, event) ~ x1 + x2, data = d, weights = w, ties = ties, robust = TRUE)
  cat(ties, "weighted robust se", f(sqrt(diag(fr$var))), "\n")
}
cat("## Fine-Gray: finegray + coxph on parity_competing.csv with x1, x2\n")
d$status <- factor(d$status, levels = 0:2, labels = c("censor", "event", "competing"))
fg <- finegray(Surv(time, status) ~ ., data = d[, c("time", "status", "x1", "x2")], etype = "event")
for (ties in c("breslow", "efron")) {
  ffg <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2, weights = fgwt, data = fg, ties = ties)
  cat(ties, "fine-gray coef", f(coef(ffg)), "naive se", f(sqrt(diag(ffg$naive.var))), "loglik", f(ffg$loglik), "\n")
}
cat("## stratified concordance: concordance(Surv(time, event) ~ x1 + strata(g), reverse = TRUE)\n")
for (tw in c("n", "n/G2")) {
  cs <- concordance(Surv(time, event) ~ x1 + strata(g), data = d, reverse = TRUE, timewt = tw)
  cat(tw, "stratified C", f(cs$concordance), "var", f(cs$var), "counts", f(colSums(cs$count)[1:3]), "\n")
}
