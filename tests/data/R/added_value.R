# Added value over a clinical model: reference numbers for tests/stats/test_added_value.py.
# Run: Rscript tests/data/R/added_value.R > tests/data/R/added_value.Rout
# Writes the data (simulated here, never seen by the code before) to tests/data/R/added_value_*.csv.
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages({library(pROC); library(Hmisc); library(survival)})
versions(c("pROC", "Hmisc", "survival", "stats"))
dir <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
set.seed(20261202)
n <- 150
stage <- factor(sample(c("I", "II", "III"), n, replace = TRUE, prob = c(.4, .35, .25)), levels = c("I", "II", "III"))
age <- round(rnorm(n, 62, 9), 1)
m1 <- rnorm(n); m2 <- 0.4 * m1 + rnorm(n)
score <- 0.8 * m1 - 0.3 * m2
lp <- -1 + 0.6 * (stage == "II") + 1.2 * (stage == "III") + 0.03 * (age - 62) + 0.7 * m1
y <- rbinom(n, 1, plogis(lp))
haz <- exp(0.5 * (stage == "II") + 0.9 * (stage == "III") + 0.02 * (age - 62) + 0.5 * m1)
tt <- rexp(n, 0.1 * haz); cc <- runif(n, 2, 20)
time <- round(pmin(tt, cc), 2) + 0.01; status <- as.integer(tt <= cc)
d <- data.frame(y, stage, age, m1 = round(m1, 4), m2 = round(m2, 4), time, status)
d$score <- round(0.8 * d$m1 - 0.3 * d$m2, 4)
write.csv(d, file.path(dir, "added_value_data.csv"), row.names = FALSE)
d <- read.csv(file.path(dir, "added_value_data.csv")); d$stage <- factor(d$stage, levels = c("I", "II", "III"))
p <- function(label, x) cat(label, sprintf("%.12g", x), "\n")

wald <- function(fit, terms) { b <- coef(fit)[terms]; V <- vcov(fit)[terms, terms, drop = FALSE]; drop(t(b) %*% solve(V) %*% b) }
## binary: fixed rule (score) and fitted markers (m1, m2)
f0 <- glm(y ~ stage + age, binomial, d)
for (add in list("score", c("m1", "m2"))) {
  f1 <- glm(as.formula(paste("y ~ stage + age +", paste(add, collapse = "+"))), binomial, d)
  cat("== binary, added:", add, "\n")
  p("coef0", coef(f0)); p("se0", sqrt(diag(vcov(f0)))); p("coef1", coef(f1)); p("se1", sqrt(diag(vcov(f1))))
  p("loglik0", logLik(f0)); p("loglik1", logLik(f1))
  a <- anova(f0, f1, test = "LRT"); p("LR", a$Deviance[2]); p("df", a$Df[2]); p("LR p", a$`Pr(>Chi)`[2])
  w <- wald(f1, add); p("wald", w); p("wald p", pchisq(w, length(add), lower.tail = FALSE))
  # glm stops at a relative deviance change of 1e-8 and takes the SEs from the weights of the previous
  # iterate; refitted to full convergence, its coefficients and SEs are those of the exact maximum:
  f1x <- update(f1, control = glm.control(epsilon = 1e-15, maxit = 100))
  p("tight coef1", coef(f1x)); p("tight se1", sqrt(diag(vcov(f1x)))); w <- wald(f1x, add); p("tight wald", w)
  p("tight wald p", pchisq(w, length(add), lower.tail = FALSE))
  r0 <- roc(d$y, predict(f0), levels = c(0, 1), direction = "<", quiet = TRUE)
  r1 <- roc(d$y, predict(f1), levels = c(0, 1), direction = "<", quiet = TRUE)
  rt <- roc.test(r1, r0, method = "delong", paired = TRUE)
  p("auc1 auc0", rt$estimate); p("delong z", rt$statistic); p("delong p", rt$p.value); p("diff CI", rt$conf.int)
  ip <- improveProb(fitted(f0), fitted(f1), d$y)
  for (k in c("nri", "se.nri", "nri.ev", "se.nri.ev", "nri.ne", "se.nri.ne", "idi", "se.idi", "improveSens", "improveSpec",
              "pup.ev", "pdown.ev", "pup.ne", "pdown.ne")) p(k, ip[[k]])
  p("p.nri", 2 * pnorm(-abs(ip$z.nri))); p("p.idi", 2 * pnorm(-abs(ip$z.idi)))
  k0 <- as.integer(cut(fitted(f0), c(-Inf, 0.1, 0.3, Inf), right = FALSE)) - 1
  k1 <- as.integer(cut(fitted(f1), c(-Inf, 0.1, 0.3, Inf), right = FALSE)) - 1
  cat("tables: events, then non-events (rows old model, columns new model)\n")
  print(table(old = factor(k0[d$y == 1], 0:2), new = factor(k1[d$y == 1], 0:2)))
  print(table(old = factor(k0[d$y == 0], 0:2), new = factor(k1[d$y == 0], 0:2)))
  ic <- improveProb(k0 / 2, k1 / 2, d$y)
  for (k in c("nri", "se.nri", "nri.ev", "se.nri.ev", "nri.ne", "se.nri.ne")) p(paste("cat", k), ic[[k]])
}

## optimism-corrected dAUC, fixed rule, B = 50, resample indices written for replay
B <- 50
idx <- matrix(sample.int(n, n * B, replace = TRUE), nrow = B)
write.table(idx - 1, file.path(dir, "added_value_boot_idx.csv"), sep = ",", row.names = FALSE, col.names = FALSE)
aucf <- function(y, s) as.numeric(auc(roc(y, s, levels = c(0, 1), direction = "<", quiet = TRUE)))
g0 <- y ~ stage + age; g1 <- y ~ stage + age + score
app <- aucf(d$y, predict(glm(g1, binomial, d))) - aucf(d$y, predict(glm(g0, binomial, d)))
boot <- test <- numeric(B)
for (b in 1:B) {
  db <- d[idx[b, ], ]
  h0 <- glm(g0, binomial, db); h1 <- glm(g1, binomial, db)
  boot[b] <- aucf(db$y, predict(h1)) - aucf(db$y, predict(h0))
  test[b] <- aucf(d$y, predict(h1, d)) - aucf(d$y, predict(h0, d))
}
opt <- mean(boot - test)
cat("== optimism, B = 50\n"); p("apparent", app); p("optimism", opt); p("corrected", app - opt)
p("percentile CI", quantile(boot - opt, c(0.025, 0.975), type = 7))

## survival: Cox, fixed rule and fitted markers
c0 <- coxph(Surv(time, status) ~ stage + age, d)
for (add in list("score", c("m1", "m2"))) {
  c1 <- coxph(as.formula(paste("Surv(time, status) ~ stage + age +", paste(add, collapse = "+"))), d)
  cat("== survival, added:", add, "\n")
  p("coef0", coef(c0)); p("coef1", coef(c1)); p("se1", sqrt(diag(vcov(c1))))
  p("loglik0", c0$loglik[2]); p("loglik1", c1$loglik[2])
  a <- anova(c0, c1); p("LR", a$Chisq[2]); p("df", a$Df[2]); p("LR p", a$`Pr(>|Chi|)`[2])
  w <- wald(c1, add); p("wald", w); p("wald p", pchisq(w, length(add), lower.tail = FALSE))
  cc <- concordance(c0, c1)
  contr <- c(-1, 1)
  p("C0 C1", coef(cc)); p("var", cc$var); p("dC", sum(contr * coef(cc))); p("se dC", sqrt(drop(contr %*% cc$var %*% contr)))
}

## the docstring examples
cat("== doctest examples\n")
ex <- data.frame(y = c(0, 0, 1, 1, 0, 1, 1, 0), age = c(50, 61, 58, 72, 40, 66, 49, 55), m = c(1.0, 0.2, 0.1, 0.4, 0.3, 1.5, 2.2, 0.8))
p("logistic age coef", coef(glm(y ~ age, binomial, ex))[2])
p("LR", anova(glm(y ~ age, binomial, ex), glm(y ~ age + m, binomial, ex), test = "LRT")$Deviance[2])
tt <- c(5, 8, 3, 9, 12, 2, 7, 4); ee <- c(1, 1, 0, 1, 0, 1, 1, 1)
ra <- c(0.4, 0.1, 0.6, 0.3, 0.2, 0.9, 0.2, 0.5); rb <- c(0.5, 0.2, 0.1, 0.3, 0.1, 0.8, 0.4, 0.9)
p("C a b", c(concordance(Surv(tt, ee) ~ ra, reverse = TRUE)$concordance, concordance(Surv(tt, ee) ~ rb, reverse = TRUE)$concordance))
ip <- improveProb(c(0.2, 0.4, 0.3, 0.6, 0.5, 0.7), c(0.1, 0.5, 0.5, 0.8, 0.3, 0.6), c(0, 0, 1, 1, 0, 1))
p("nri idi", c(ip$nri, ip$idi))

## optimism-corrected dC (Cox, fixed rule), the same B = 50 resamples
s0 <- Surv(time, status) ~ stage + age; s1 <- Surv(time, status) ~ stage + age + score
cfun <- function(fit, nd) concordance(fit, newdata = nd)$concordance
a0 <- coxph(s0, d); a1 <- coxph(s1, d)
app <- cfun(a1, d) - cfun(a0, d)
boot <- test <- numeric(B)
for (b in 1:B) {
  db <- d[idx[b, ], ]
  h0 <- coxph(s0, db); h1 <- coxph(s1, db)
  boot[b] <- cfun(h1, db) - cfun(h0, db)
  test[b] <- cfun(h1, d) - cfun(h0, d)
}
opt <- mean(boot - test)
cat("== survival optimism, B = 50\n"); p("apparent", app); p("optimism", opt); p("corrected", app - opt)
p("percentile CI (boot - optimism)", quantile(boot - opt, c(0.025, 0.975), type = 7))

## a fixed rule: signed_z of the two markers (both "up"/"risk") is affine in m1/sd(m1) + m2/sd(m2), so the LR test,
## AUCs, NRI and C of the clinical + rule model are those of this score
d$zs <- d$m1 / sd(d$m1) + d$m2 / sd(d$m2)
g1 <- glm(y ~ stage + age + zs, binomial, d)
cat("== fixed rule (signed_z), binary\n")
p("LR", anova(f0, g1, test = "LRT")$Deviance[2])
p("auc1", as.numeric(auc(roc(d$y, predict(g1), levels = c(0, 1), direction = "<", quiet = TRUE))))
ip <- improveProb(fitted(f0), fitted(g1), d$y); p("nri idi", c(ip$nri, ip$idi))
k1 <- coxph(Surv(time, status) ~ stage + age + zs, d)
cat("== fixed rule (signed_z), survival\n")
p("LR", anova(c0, k1)$Chisq[2]); cc <- concordance(c0, k1); p("C0 C1", coef(cc))
p("se dC", sqrt(drop(c(-1, 1) %*% cc$var %*% c(-1, 1))))

## restricted cubic spline of age (rms::rcs, 4 knots) in the clinical model
suppressMessages(library(rms))
cat("== spline: rcs(age, 4)\n")
kn <- rcspline.eval(d$age, nk = 4, knots.only = TRUE); p("knots", kn)
bx <- rcspline.eval(d$age, nk = 4, inclx = TRUE); p("basis row 1", bx[1, ]); p("basis row 150", bx[150, ])
s0 <- glm(y ~ stage + rcs(age, 4), binomial, d, control = glm.control(epsilon = 1e-15, maxit = 100))
s1 <- update(s0, . ~ . + m1 + m2)
p("coef0", coef(s0)); p("loglik0", logLik(s0)); p("LR", 2 * (logLik(s1) - logLik(s0)))
p("knots n<100", rcspline.eval(d$age[1:60], nk = 4, knots.only = TRUE))

## cross-validated dAUC (5 folds x 3 repeats), fold ids written for replay
R <- 3; K <- 5
fid <- t(sapply(1:R, function(r) { f <- integer(n); for (cl in 0:1) { i <- which(d$y == cl); f[i[sample.int(length(i))]] <- (seq_along(i) - 1) %% K }; f }))
write.table(fid, file.path(dir, "added_value_cv_folds.csv"), sep = ",", row.names = FALSE, col.names = FALSE)
cvd <- sapply(1:R, function(r) {
  l0 <- l1 <- numeric(n)
  for (k in 0:(K - 1)) {
    te <- fid[r, ] == k
    l0[te] <- predict(glm(y ~ stage + age, binomial, d[!te, ]), d[te, ])
    l1[te] <- predict(glm(y ~ stage + age + score, binomial, d[!te, ]), d[te, ])
  }
  c(aucf(d$y, l0), aucf(d$y, l1))
})
cat("== CV, 5 folds x 3 repeats, added: score\n"); p("auc0 per repeat", cvd[1, ]); p("auc1 per repeat", cvd[2, ])
p("diff mean", mean(cvd[2, ] - cvd[1, ]))

## cross-validated dC (Cox), the same fold ids, uncentred linear predictors x'b pooled over folds
cvc <- sapply(1:R, function(r) {
  l0 <- l1 <- numeric(n)
  for (k in 0:(K - 1)) {
    te <- fid[r, ] == k
    m0 <- coxph(Surv(time, status) ~ stage + age, d[!te, ]); m1 <- coxph(Surv(time, status) ~ stage + age + score, d[!te, ])
    l0[te] <- model.matrix(~ stage + age, d)[te, -1] %*% coef(m0)
    l1[te] <- model.matrix(~ stage + age + score, d)[te, -1] %*% coef(m1)
  }
  c(concordance(Surv(d$time, d$status) ~ l0, reverse = TRUE)$concordance,
    concordance(Surv(d$time, d$status) ~ l1, reverse = TRUE)$concordance)
})
cat("== CV Cox, 5 folds x 3 repeats, added: score\n"); p("C0 per repeat", cvc[1, ]); p("C1 per repeat", cvc[2, ])
p("diff mean", mean(cvc[2, ] - cvc[1, ]))
