# sva::ComBat with ONE marker, and the fallback biomark.stats.combat uses then (tests/stats/test_combat.py).
# sva 3.46.0 stops with an error for a single gene (the empirical Bayes priors are moments across genes; with
# one row the matrix drops to a vector). biomark's fallback is the location/scale adjustment of Johnson et al.
# 2007 (their eq. before the EB step) with the batch estimates used as they are (no shrinkage):
#   x* = sigma_ref * (s - gamma_hat) / delta_hat + alpha_ref, s = (x - alpha_ref) / sigma_ref,
#   alpha_ref = mean of the reference, sigma_ref^2 = mean squared deviation (1/n, as sva),
#   gamma_hat = mean(s in batch), delta_hat^2 = var(s in batch) (n - 1); mean only: delta_hat = 1.
# Computed here by hand with R's mean/var on marker m1 of tests/data/external_combat.csv.
# Run: Rscript tests/data/R/external_combat_one_marker.R > tests/data/R/external_combat_one_marker.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(sva))
versions(c("sva"))
d <- read.csv(here("external_combat.csv"))
m <- matrix(d$m1, nrow = 1)
r <- try(suppressMessages(ComBat(m, batch = d$batch, ref.batch = "train")), silent = TRUE)
cat("sva::ComBat, one marker:", if (inherits(r, "try-error")) paste("error:", conditionMessage(attr(r, "condition"))) else "ran", "\n")
r <- try(suppressMessages(ComBat(m, batch = d$batch, ref.batch = "train", mean.only = TRUE)), silent = TRUE)
cat("sva::ComBat(mean.only = TRUE), one marker:", if (inherits(r, "try-error")) paste("error:", conditionMessage(attr(r, "condition"))) else "ran", "\n")
ref <- d$m1[d$batch == "train"]
alpha <- mean(ref); sigma <- sqrt(mean((ref - alpha)^2))
for (b in c("siteB", "siteC")) {
  x <- d$m1[d$batch == b]
  s <- (x - alpha) / sigma
  ls <- sigma * (s - mean(s)) / sqrt(var(s)) + alpha
  mo <- sigma * (s - mean(s)) + alpha
  cat(sprintf("%s L/S first 5: %s\n", b, paste(sprintf("%.10f", ls[1:5]), collapse = " ")))
  cat(sprintf("%s L/S mean %.10f sd %.10f\n", b, mean(ls), sd(ls)))
  cat(sprintf("%s mean-only first 5: %s\n", b, paste(sprintf("%.10f", mo[1:5]), collapse = " ")))
}
