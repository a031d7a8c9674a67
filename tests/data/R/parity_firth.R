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
