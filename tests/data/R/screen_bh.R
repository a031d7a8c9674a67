# Reference for biomark.screen.bh_q: Benjamini-Hochberg q values (R stats::p.adjust).
p <- c(0.01, 0.04, 0.03, 0.2, 0.5, 0.001, 0.04)
print(R.version.string)
print(sprintf("%.10f", p.adjust(p, method = "BH")))
