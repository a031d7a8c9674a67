# sva::ComBat with a reference batch: reference values for biomark.stats.combat (tests/stats/test_combat.py)
# on tests/data/external_combat.csv (markers as columns; ComBat wants markers as rows).
# Run: Rscript tests/data/R/external_combat.R > tests/data/R/external_combat.Rout
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "_versions.R"))
suppressMessages(library(sva))
versions(c("sva", "BiocParallel"))
d <- read.csv(here("external_combat.csv"))
m <- t(as.matrix(d[, -1]))
show <- function(label, adj, rows) {
  for (i in rows) cat(sprintf("%s row %d: %s\n", label, i, paste(sprintf("%.10f", adj[, i]), collapse = " ")))
  for (b in unique(d$batch)) cat(sprintf("%s mean %s: %s\n", label, b,
                                         paste(sprintf("%.10f", rowMeans(adj[, d$batch == b])), collapse = " ")))
}
a <- suppressMessages(ComBat(m, batch = d$batch, ref.batch = "train"))
show("all", a, c(1, 31, 40, 55, 56, 67))
# the reference and one batch only: siteB's adjusted values must not change
keep <- d$batch != "siteC"
b <- suppressMessages(ComBat(m[, keep], batch = d$batch[keep], ref.batch = "train"))
cat(sprintf("max |all - (train, siteB) only| on siteB: %.3g\n", max(abs(a[, d$batch == "siteB"] - b[, d$batch[keep] == "siteB"]))))
mo <- suppressMessages(ComBat(m, batch = d$batch, ref.batch = "train", mean.only = TRUE))
show("mean.only", mo, c(31, 56))
