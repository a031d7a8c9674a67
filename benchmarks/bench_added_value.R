# Hand-written R equivalent of benchmarks/bench_added_value.py: lrm twice + lrtest, roc.test, improveProb,
# categorical NRI, and a B-resample optimism bootstrap of dAUC (two lrm fits + pROC::auc per resample).
# Usage: Rscript benchmarks/bench_added_value.R data.csv B   (prints the elapsed seconds, best of 3, last line)
suppressMessages({library(rms); library(pROC); library(Hmisc)})
args <- commandArgs(TRUE); d <- read.csv(args[1]); B <- as.integer(args[2])
d$stage <- factor(d$stage, levels = c("I", "II", "III"))
run <- function() {
  f0 <- lrm(y ~ stage + age, d); f1 <- lrm(y ~ stage + age + score, d)
  lrtest(f0, f1)
  r0 <- roc(d$y, f0$linear.predictors, levels = c(0, 1), direction = "<", quiet = TRUE)
  r1 <- roc(d$y, f1$linear.predictors, levels = c(0, 1), direction = "<", quiet = TRUE)
  roc.test(r1, r0, method = "delong", paired = TRUE)
  p0 <- plogis(f0$linear.predictors); p1 <- plogis(f1$linear.predictors)
  improveProb(p0, p1, d$y)
  k <- function(p) as.integer(cut(p, c(-Inf, 0.1, 0.3, Inf), right = FALSE)) / 3
  improveProb(k(p0), k(p1), d$y)
  aucf <- function(y, s) as.numeric(auc(roc(y, s, levels = c(0, 1), direction = "<", quiet = TRUE)))
  X0 <- model.matrix(~ stage + age, d); X1 <- model.matrix(~ stage + age + score, d)
  opt <- numeric(B)
  for (b in seq_len(B)) {
    i <- sample.int(nrow(d), replace = TRUE)
    h0 <- lrm.fit(X0[i, -1], d$y[i]); h1 <- lrm.fit(X1[i, -1], d$y[i])
    l0 <- drop(cbind(1, X0[, -1]) %*% coef(h0)); l1 <- drop(cbind(1, X1[, -1]) %*% coef(h1))
    opt[b] <- (aucf(d$y[i], h1$linear.predictors) - aucf(d$y[i], h0$linear.predictors)) - (aucf(d$y, l1) - aucf(d$y, l0))
  }
  mean(opt)
}
set.seed(1)
t <- min(sapply(1:3, function(i) system.time(run())[["elapsed"]]))
cat(t, "\n")
