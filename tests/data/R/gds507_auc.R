# Reference AUCs for tests/test_public_formats.py: the panel tests/data/geo/rcc_panel.yaml
# (CP up, NNMT up, ALDOB down) on GEO GDS507 (tests/data/geo/GDS507.soft.gz), outcome the
# 'disease state' subset (RCC vs normal). Read with base R only (no GEOquery), independently of
# biomark: the dataset table, the probes named by GPL97.annot.gz's 'Gene symbol' column, CP's two
# probes averaged on the intensity scale (--collapse mean), log2, z-scores (mean, SD with n - 1,
# R's scale), score = z(CP) + z(NNMT) - z(ALDOB) (biomark's signed_z divides by K = 3, which
# changes no rank), AUC by pROC with controls 'normal', cases 'RCC', direction '<'.
# Run: Rscript tests/data/R/gds507_auc.R > tests/data/R/gds507_auc.Rout 2>&1
suppressPackageStartupMessages(library(pROC))
rd <- function(f) { con <- gzfile(f); on.exit(close(con)); readLines(con) }
lines <- rd("tests/data/geo/GDS507.soft.gz")
b <- grep("^!dataset_table_begin", lines); e <- grep("^!dataset_table_end", lines)
tab <- read.delim(text = lines[(b + 1):(e - 1)], check.names = FALSE, colClasses = "character")
ann_lines <- rd("tests/data/geo/GPL97.annot.gz")
ab <- grep("^!platform_table_begin", ann_lines); ae <- grep("^!platform_table_end", ann_lines)
ann <- read.delim(text = ann_lines[(ab + 1):(ae - 1)], check.names = FALSE, colClasses = "character",
                  quote = "")
probes <- function(g) ann$ID[ann[["Gene symbol"]] == g]
cat("probes: CP", probes("CP"), "NNMT", probes("NNMT"), "ALDOB", probes("ALDOB"), "\n")
samples <- colnames(tab)[-(1:2)]
val <- function(p) as.numeric(unlist(tab[tab$ID_REF == p, samples]))
rcc <- strsplit(sub("^!subset_sample_id = ", "", lines[grep("^!subset_description = RCC$", lines) + 1]), ",")[[1]]
y <- factor(ifelse(samples %in% rcc, "RCC", "normal"), levels = c("normal", "RCC"))
cp <- log2((val("227253_at") + val("228143_at")) / 2)
nnmt <- log2(val("231559_at")); aldob <- log2(val("241280_at"))
z <- function(x) as.numeric(scale(x))
score <- (z(cp) + z(nnmt) - z(aldob)) / 3
print(table(y))
print(data.frame(sample = samples, y = y, cp = cp, nnmt = nnmt, aldob = aldob, score = score), digits = 15)
r <- roc(y, score, levels = c("normal", "RCC"), direction = "<", quiet = TRUE)
cat(sprintf("panel AUC %.15f\n", as.numeric(auc(r))))
cat(sprintf("ALDOB alone AUC (direction '<') %.15f\n",
            as.numeric(auc(roc(y, aldob, levels = c("normal", "RCC"), direction = "<", quiet = TRUE)))))
cat(sprintf("CP max-mean probe: %s\n", c("227253_at", "228143_at")[which.max(c(mean(val("227253_at")), mean(val("228143_at"))))]))
cp_mm <- log2(val("227253_at"))
s2 <- (z(cp_mm) + z(nnmt) - z(aldob)) / 3
cat(sprintf("panel AUC, CP by max-mean %.15f\n",
            as.numeric(auc(roc(y, s2, levels = c("normal", "RCC"), direction = "<", quiet = TRUE)))))
# the training z-score of biomark fit (mean, SD with n - 1) on all 17 samples
for (m in list(list("CP", cp), list("NNMT", nnmt), list("ALDOB", aldob)))
  cat(sprintf("%s mean %.15f sd %.15f\n", m[[1]], mean(m[[2]]), sd(m[[2]])))
cat("R", R.version$major, ".", R.version$minor, " pROC ", as.character(packageVersion("pROC")), "\n", sep = "")
