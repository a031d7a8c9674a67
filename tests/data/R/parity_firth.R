# Firth-penalised Cox (Heinze & Schemper 2001) written out by hand: coxphf is not installed here (nor in
# Debian). The penalised log-likelihood l(b) + 0.5 log det I(b) uses survival's own l(b) and I(b)
# (coxph with init = b, iter.max = 0), maximised by optim; tests/stats/test_survival_parity.py.
# Run: Rscript tests/data/R/parity_firth.R > tests/data/R/parity_firth.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(survival))
versions("survival")
set.seed(33)
n <- 60
x <- rep(c(1, 0), each = 30)
z <- round(rnorm(n), 2)
time <- ifelse(x == 1, round(runif(n, 0.5, 5), 1), round(runif(n, 5.5, 12), 1))
event <- ifelse(x == 1, rbinom(n, 1, 0.8), 0)   # every event has x = 1: monotone likelihood in x
event[c(35, 40)] <- 1                           # two late events among x = 0 (after every x = 1 time)
d <- data.frame(time = time, event = event, x = x, z = z)
write.csv(d, here("R", "parity_firth.csv"), row.names = FALSE)
f <- function(v) sprintf("%.12f", v)
ll_info <- function(b, ties) {
  fit <- suppressWarnings(coxph(Surv(time, event) ~ x + z, data = d, init = b, control = coxph.control(iter.max = 0), ties = ties))
  list(loglik = fit$loglik[2], info = solve(fit$var))
}
pen <- function(b, ties) { li <- ll_info(b, ties); li$loglik + 0.5 * as.numeric(determinant(li$info)$modulus) }
ordinary <- suppressWarnings(coxph(Surv(time, event) ~ x + z, data = d))
cat("ordinary coxph coef (diverging):", f(coef(ordinary)), "\n")
for (ties in c("breslow", "efron")) {
  o <- optim(c(0, 0), function(b) -pen(b, ties), method = "BFGS", control = list(reltol = 1e-15, maxit = 1000))
  o <- optim(o$par, function(b) -pen(b, ties), method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 5000))
  li <- ll_info(o$par, ties)
  cat(ties, "firth coef", f(o$par), "penalised loglik", f(-o$value), "se", f(sqrt(diag(solve(li$info)))), "\n")
  cat(ties, "penalised loglik at 0", f(pen(c(0, 0), ties)), "\n")
}

# Profile penalised-likelihood limits and penalised likelihood-ratio tests (coxphf's pl = TRUE, Heinze &
# Schemper 2001 sec. 3): pl_j(b) = max over the other coefficient of pen(); the limits solve
# 2 (pen(beta_hat) - pl_j(b)) = qchisq(0.95, 1) (uniroot, tol 1e-12); PLR_j = 2 (pen(beta_hat) - pl_j(0)).
cat("\n")
for (ties in c("breslow", "efron")) {
  o <- optim(c(0, 0), function(b) -pen(b, ties), method = "BFGS", control = list(reltol = 1e-15, maxit = 1000))
  o <- optim(o$par, function(b) -pen(b, ties), method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 5000))
  bhat <- o$par; phat <- -o$value
  se <- sqrt(diag(solve(ll_info(bhat, ties)$info)))
  prof <- function(j, b) {
    k <- 3 - j
    g <- function(r) { v <- numeric(2); v[j] <- b; v[k] <- r; -pen(v, ties) }
    -optimize(g, c(bhat[k] - 5, bhat[k] + 5), tol = 1e-12)$objective
  }
  crit <- qchisq(0.95, 1)
  lo <- hi <- plr <- numeric(2)
  for (j in 1:2) {
    h <- function(b) 2 * (phat - prof(j, b)) - crit
    lo[j] <- uniroot(h, c(bhat[j] - 6 * se[j], bhat[j]), tol = 1e-12)$root
    hi[j] <- uniroot(h, c(bhat[j], bhat[j] + 6 * se[j]), tol = 1e-12)$root
    plr[j] <- 2 * (phat - prof(j, 0))
  }
  cat(ties, "profile lower", f(lo), "upper", f(hi), "\n")
  cat(ties, "PLR", f(plr), "p", sprintf("%.12e", pchisq(plr, 1, lower.tail = FALSE)), "\n")
}

# Three covariates (x, z and u = round(cos(row number), 2)), Breslow: the profile maximises over two
# coefficients (optim BFGS then Nelder-Mead, reltol 1e-15); uniroot tol 1e-10.
d$u <- round(cos(seq_len(n)), 2)
ll3 <- function(b) {
  fit <- suppressWarnings(coxph(Surv(time, event) ~ x + z + u, data = d, init = b, control = coxph.control(iter.max = 0), ties = "breslow"))
  list(loglik = fit$loglik[2], info = solve(fit$var))
}
pen3 <- function(b) { li <- ll3(b); li$loglik + 0.5 * as.numeric(determinant(li$info)$modulus) }
fitmax <- function(fn, start) {
  o <- optim(start, fn, method = "BFGS", control = list(reltol = 1e-15, maxit = 1000))
  optim(o$par, fn, method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 5000))
}
o <- fitmax(function(b) -pen3(b), c(0, 0, 0))
bhat <- o$par; phat <- -o$value; se <- sqrt(diag(solve(ll3(bhat)$info)))
prof3 <- function(j, b) {
  g <- function(r) { v <- numeric(3); v[j] <- b; v[-j] <- r; -pen3(v) }
  -fitmax(g, bhat[-j])$value
}
lo <- hi <- plr <- numeric(3)
for (j in 1:3) {
  h <- function(b) 2 * (phat - prof3(j, b)) - qchisq(0.95, 1)
  lo[j] <- uniroot(h, c(bhat[j] - 6 * se[j], bhat[j]), tol = 1e-10)$root
  hi[j] <- uniroot(h, c(bhat[j], bhat[j] + 6 * se[j]), tol = 1e-10)$root
  plr[j] <- 2 * (phat - prof3(j, 0))
}
cat("3 covariates breslow coef", f(bhat), "penalised loglik", f(phat), "\n")
cat("3 covariates profile lower", f(lo), "upper", f(hi), "\n")
cat("3 covariates PLR", f(plr), "\n")

# One covariate (x), Breslow: no other coefficient to maximise over.
pen1 <- function(b) {
  fit <- suppressWarnings(coxph(Surv(time, event) ~ x, data = d, init = b, control = coxph.control(iter.max = 0), ties = "breslow"))
  fit$loglik[2] + 0.5 * log(1 / fit$var[1, 1])
}
o1 <- optimize(function(b) -pen1(b), c(0, 15), tol = 1e-12)
h1 <- function(b) 2 * (-o1$objective - pen1(b)) - qchisq(0.95, 1)
cat("1 covariate breslow coef", f(o1$minimum), "profile", f(uniroot(h1, c(o1$minimum - 6, o1$minimum), tol = 1e-12)$root),
    f(uniroot(h1, c(o1$minimum, o1$minimum + 10), tol = 1e-12)$root), "PLR", f(2 * (-o1$objective - pen1(0))), "\n")
