# Reference numbers for tests/validate/test_validate.py::test_plain_logistic_matches_rms_validate.
# rms::validate of an unpenalised logistic model on tests/data/validate_lrm.csv (n = 300, 6 markers),
# with many resamples so that the reference's own Monte-Carlo error is far below the test's tolerance.
# Run from the repository root:  Rscript tests/data/validate_lrm.R > tests/data/validate_lrm_rms.csv
suppressPackageStartupMessages(library(rms))
d <- read.csv("tests/data/validate_lrm.csv")
d$y <- as.integer(d$response == "radioresistant")
fit <- lrm(y ~ hsa.miR.96 + hsa.miR.378 + HSPA1A + hsa.miR.663a + hsa.miR.1246 + AGAP2.AS1,
           data = d, x = TRUE, y = TRUE)
B <- 20000
set.seed(1)
v <- validate(fit, B = B)
rows <- c("Dxy", "Intercept", "Slope", "B")
out <- data.frame(index = rows,
                  apparent = v[rows, "index.orig"],
                  optimism = v[rows, "optimism"],
                  corrected = v[rows, "index.corrected"],
                  n = v[rows, "n"])
# AUC = (Dxy + 1) / 2, so its optimism is half that of Dxy; the sd of the per-resample optimism
# (for the Monte-Carlo SE of the mean) is not returned by validate and is not needed here.
cat(sprintf("# rms %s, R %s, B = %d, set.seed(1)\n", packageVersion("rms"), getRversion(), B))
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
