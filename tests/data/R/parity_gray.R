# Gray's (1988) K-sample test of equal cumulative incidence: reference values from cmprsk::cuminc()$Tests,
# for a biomark.stats implementation written from the paper (not from cmprsk, which is GPL).
# Data sets A-C and the tiny cases were probed while the variance was being worked out; D (four groups, three
# strata, ties, rho 0.5 and 2) was added after biomark.stats.gray_test matched A-C, as data it had not seen.
# Run: Rscript tests/data/R/parity_gray.R > tests/data/R/parity_gray.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(cmprsk))
versions(c("cmprsk", "survival"))
f <- function(x) sprintf("%.15e", x)
show <- function(name, d, rho, strata = NULL) {
  ci <- if (is.null(strata)) cuminc(d$time, d$status, d$g, rho = rho)
        else cuminc(d$time, d$status, d$g, strata = strata, rho = rho)
  for (cause in rownames(ci$Tests)) {
    tt <- ci$Tests[cause, ]
    cat(name, "rho", rho, if (is.null(strata)) "" else "strata", "cause", cause,
        "stat", f(tt["stat"]), "pv", f(tt["pv"]), "df", tt["df"], "\n")
  }
}
# A: two groups, continuous times (no ties)
set.seed(1988)
n <- 200
g <- rep(c("a", "b"), each = n / 2)
t1 <- rexp(n, ifelse(g == "a", 0.10, 0.16)); t2 <- rexp(n, 0.08); cc <- runif(n, 1, 20)
time <- pmin(t1, t2, cc); status <- ifelse(cc < pmin(t1, t2), 0, ifelse(t1 < t2, 1, 2))
a <- data.frame(time = round(time, 6), status = status, g = g)
write.csv(a, here("R", "parity_gray_a.csv"), row.names = FALSE)
# B: three groups, integer times (heavy ties, events of both causes and censorings at one time), two strata
set.seed(1141)
n <- 240
g <- rep(c("x", "y", "z"), times = n / 3)
s <- rep(c("s1", "s2"), each = n / 2)
t1 <- rexp(n, c(x = 0.05, y = 0.08, z = 0.12)[g] * ifelse(s == "s1", 1, 1.5)); t2 <- rexp(n, 0.06)
cc <- runif(n, 2, 30)
time <- ceiling(pmin(t1, t2, cc)); status <- ifelse(cc < pmin(t1, t2), 0, ifelse(t1 < t2, 1, 2))
b <- data.frame(time = time, status = status, g = g, strata = s)
write.csv(b, here("R", "parity_gray_b.csv"), row.names = FALSE)
# C: small, 2 groups, ties, the last time in a group a competing event
c <- data.frame(time = c(1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 9, 9, 10, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9),
                status = c(1, 2, 1, 0, 1, 2, 1, 1, 0, 2, 1, 0, 1, 2, 0, 2, 1, 1, 2, 0, 2, 1, 0, 1, 2, 0, 1, 1, 2, 0),
                g = rep(c("p", "q"), times = c(16, 14)))
write.csv(c, here("R", "parity_gray_c.csv"), row.names = FALSE)
for (rho in c(0, 1, -0.5)) {
  show("A", a, rho); show("B", b, rho); show("C", c, rho)
  show("B", b, rho, strata = b$strata)
}
# tiny cases (exact fractions): stat = z^2 / V with z the O - E of group a over the subdistribution risk sets
tiny <- list(list(c(1, 2, 3, 4), c(1, 1, 1, 1), c("a", "b", "a", "b")),
             list(c(1, 2, 3), c(1, 1, 1), c("a", "b", "a")),
             list(c(1, 2, 3, 4, 5, 6), c(1, 0, 1, 0, 1, 1), c("a", "b", "a", "b", "b", "a")),
             list(c(1, 2, 3, 4, 5, 6), c(1, 2, 1, 0, 1, 1), c("a", "b", "a", "b", "b", "a")),
             list(c(1, 5, 2, 3, 4), c(1, 0, 0, 0, 0), c("a", "a", "b", "b", "b")),
             list(c(2, 5, 1, 3, 4), c(1, 0, 2, 0, 0), c("a", "a", "b", "b", "b")))
for (i in seq_along(tiny)) {
  x <- tiny[[i]]; tt <- cuminc(x[[1]], x[[2]], x[[3]])$Tests
  cat("tiny", i, "time", x[[1]], "status", x[[2]], "group", x[[3]], "stat", f(tt[, "stat"]), "\n")
}
# tiny case 3 for a grid of rho: with the score and the weight (1 - F0(t-))^rho as written in the paper,
# z(rho)^2 / stat(rho) would be a quadratic form in (1, (5/6)^rho, (5/8)^rho, (5/16)^rho)
x <- tiny[[3]]
for (rho in seq(-3, 4, by = 0.5)) cat("tiny 3 rho", rho, "stat", f(cuminc(x[[1]], x[[2]], x[[3]], rho = rho)$Tests[1, "stat"]), "\n")
# D: four groups, times to 1 decimal (ties), three strata, unequal censoring; written after the implementation
set.seed(20261202)
n <- 600
g <- sample(c("g1", "g2", "g3", "g4"), n, replace = TRUE)
s <- sample(c("c1", "c2", "c3"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
t1 <- rexp(n, c(g1 = 0.04, g2 = 0.06, g3 = 0.05, g4 = 0.09)[g]); t2 <- rexp(n, c(c1 = 0.03, c2 = 0.05, c3 = 0.08)[s])
cc <- runif(n, 1, ifelse(g == "g4", 15, 30))
time <- round(pmin(t1, t2, cc), 1) + 0.1; status <- ifelse(cc < pmin(t1, t2), 0, ifelse(t1 < t2, 1, 2))
dd <- data.frame(time = time, status = status, g = g, strata = s)
write.csv(dd, here("R", "parity_gray_d.csv"), row.names = FALSE)
for (rho in c(0, 0.5, 2)) { show("D", dd, rho); show("D", dd, rho, strata = dd$strata) }
