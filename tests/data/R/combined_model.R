# Reference for biomark fit --clinical-model / score --clinical (tests/test_combined_model.py).
# Data: combined_model_data.py (escc_mir339_radiotherapy simulated + stage, age). The panel's signed_z score is
# sign * (x - mean_train) / sd_train (sd with n - 1) for its one marker, computed here from the expression.
suppressPackageStartupMessages({library(survival); library(Hmisc)})
options(digits = 15)
rd <- function(k, part, what) read.csv(sprintf("combined_%s_%s_%s.csv", k, part, what), stringsAsFactors = FALSE)
score_of <- function(x, train, sign) sign * (x - mean(train)) / sd(train)
cat("R", R.version.string, "survival", as.character(packageVersion("survival")),
    "Hmisc", as.character(packageVersion("Hmisc")), "\n")

## binary: glm(y ~ stage + rcs(age, 4) + panel_score), knots rcspline.eval's default (as rms::rcs)
tr <- merge(rd("binary", "train", "expr"), rd("binary", "train", "clin"), by = "sample_id")
nw <- merge(rd("binary", "new", "expr"), rd("binary", "new", "clin"), by = "sample_id")
x <- tr$hsa.miR.339.5p
tr$panel_score <- score_of(x, x, -1)
nw$panel_score <- score_of(nw$hsa.miR.339.5p, x, -1)
tr$y <- as.integer(tr$radioresistance == "radioresistant")
tr$stage <- factor(tr$stage, levels = c("I", "II", "III"))
nw$stage <- factor(nw$stage, levels = c("I", "II", "III"))
knots <- rcspline.eval(tr$age, nk = 4, knots.only = TRUE)
sp <- function(d) { b <- rcspline.eval(d$age, knots = knots, inclx = TRUE); colnames(b) <- c("age", "age1", "age2"); b }
tr <- cbind(tr[, setdiff(names(tr), "age")], sp(tr)); nw <- cbind(nw[, setdiff(names(nw), "age")], sp(nw))
f0 <- glm(y ~ stage + age + age1 + age2, family = binomial, data = tr, control = glm.control(epsilon = 1e-14, maxit = 100))
f1 <- glm(y ~ stage + age + age1 + age2 + panel_score, family = binomial, data = tr,
          control = glm.control(epsilon = 1e-14, maxit = 100))
cat("binary knots", format(knots, digits = 15), "\n")
cat("binary clinical coef", format(coef(f0), digits = 15), "\n")
cat("binary full coef", format(coef(f1), digits = 15), "\n")
cat("binary new lp", format(predict(f1, nw, type = "link"), digits = 15), "\n")
cat("binary new lp_clinical", format(predict(f0, nw, type = "link"), digits = 15), "\n")
cat("binary new ids", nw$sample_id, "\n")

## survival: coxph(Surv(time, event) ~ stage + age + panel_score), Efron; risk 1 - S(t | x) at t = 12, 24
tr <- merge(rd("survival", "train", "expr"), rd("survival", "train", "clin"), by = "sample_id")
nw <- merge(rd("survival", "new", "expr"), rd("survival", "new", "clin"), by = "sample_id")
x <- tr$hsa.miR.339.5p
tr$panel_score <- score_of(x, x, -1)
nw$panel_score <- score_of(nw$hsa.miR.339.5p, x, -1)
tr$stage <- factor(tr$stage, levels = c("I", "II", "III"))
nw$stage <- factor(nw$stage, levels = c("I", "II", "III"))
c0 <- coxph(Surv(overall_survival_time, overall_survival_event) ~ stage + age, data = tr, ties = "efron",
            control = coxph.control(eps = 1e-11, iter.max = 100))
c1 <- coxph(Surv(overall_survival_time, overall_survival_event) ~ stage + age + panel_score, data = tr,
            ties = "efron", control = coxph.control(eps = 1e-11, iter.max = 100))
cat("survival clinical coef", format(coef(c0), digits = 15), "\n")
cat("survival full coef", format(coef(c1), digits = 15), "\n")
cat("survival loglik", format(c(c0$loglik[2], c1$loglik[2]), digits = 15), "\n")
s1 <- summary(survfit(c1, newdata = nw), times = c(12, 24))
cat("survival new risk12", format(1 - s1$surv[1, ], digits = 15), "\n")
cat("survival new risk24", format(1 - s1$surv[2, ], digits = 15), "\n")
# linear predictor X beta, uncentred (as biomark writes it)
X <- model.matrix(~ stage + age + panel_score, nw)[, -1]
cat("survival new lp", format(drop(X %*% coef(c1)), digits = 15), "\n")
cat("survival new ids", nw$sample_id, "\n")

## fitted methods (--method logistic / cox): the clinical + panel model adds the panel's MARKERS, each a term at its
## raw level (log2 expression / IHC score, as validate's added_value section enters them; no standardisation)
## binary: glm(y ~ stage + rcs(age, 4) + PROM1 + CD44); knots from every training sample with the clinical columns
## (as validate: before the rows without a marker are dropped), the fits on the complete cases (198 of 200)
tr <- merge(read.csv("joint_binary_train_expr.csv"), read.csv("joint_binary_train_clin.csv"), by = "sample_id")
nw <- merge(read.csv("joint_binary_new_expr.csv"), read.csv("joint_binary_new_clin.csv"), by = "sample_id")
tr$y <- as.integer(tr$drug_resistance == "drug_resistant")
tr$stage <- factor(tr$stage, levels = c("I", "II", "III")); nw$stage <- factor(nw$stage, levels = c("I", "II", "III"))
knots <- rcspline.eval(tr$age, nk = 4, knots.only = TRUE)
tr <- cbind(tr[, setdiff(names(tr), "age")], sp(tr)); nw <- cbind(nw[, setdiff(names(nw), "age")], sp(nw))
tr <- tr[complete.cases(tr[, c("PROM1", "CD44")]), ]
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
j0 <- glm(y ~ stage + age + age1 + age2, family = binomial, data = tr, control = ctl)
j1 <- glm(y ~ stage + age + age1 + age2 + PROM1 + CD44, family = binomial, data = tr, control = ctl)
cat("joint binary n", nrow(tr), "\n")
cat("joint binary knots", format(knots, digits = 15), "\n")
cat("joint binary clinical coef", format(coef(j0), digits = 15), "\n")
cat("joint binary full coef", format(coef(j1), digits = 15), "\n")
cat("joint binary loglik", format(c(logLik(j0), logLik(j1)), digits = 15), "\n")
cat("joint binary new lp", format(predict(j1, nw, type = "link"), digits = 15), "\n")
cat("joint binary new prob", format(predict(j1, nw, type = "response"), digits = 15), "\n")
cat("joint binary new lp_clinical", format(predict(j0, nw, type = "link"), digits = 15), "\n")
cat("joint binary new ids", nw$sample_id, "\n")

## survival: coxph(Surv(time, event) ~ stage + age + ULK1 + MAP1LC3B), Efron; risk 1 - S(t | x) at t = 12, 24
tr <- merge(read.csv("joint_survival_train_expr.csv"), read.csv("joint_survival_train_clin.csv"), by = "sample_id")
nw <- merge(read.csv("joint_survival_new_expr.csv"), read.csv("joint_survival_new_clin.csv"), by = "sample_id")
tr$stage <- factor(tr$stage, levels = c("I", "II", "III")); nw$stage <- factor(nw$stage, levels = c("I", "II", "III"))
cc <- coxph.control(eps = 1e-11, iter.max = 100)
k0 <- coxph(Surv(overall_survival_time, overall_survival_event) ~ stage + age, data = tr, ties = "efron", control = cc)
k1 <- coxph(Surv(overall_survival_time, overall_survival_event) ~ stage + age + ULK1 + MAP1LC3B, data = tr,
            ties = "efron", control = cc)
cat("joint survival clinical coef", format(coef(k0), digits = 15), "\n")
cat("joint survival full coef", format(coef(k1), digits = 15), "\n")
cat("joint survival loglik", format(c(k0$loglik[2], k1$loglik[2]), digits = 15), "\n")
s1 <- summary(survfit(k1, newdata = nw), times = c(12, 24))
cat("joint survival new risk12", format(1 - s1$surv[1, ], digits = 15), "\n")
cat("joint survival new risk24", format(1 - s1$surv[2, ], digits = 15), "\n")
X <- model.matrix(~ stage + age + ULK1 + MAP1LC3B, nw)[, -1]
cat("joint survival new lp", format(drop(X %*% coef(k1)), digits = 15), "\n")
X0 <- model.matrix(~ stage + age, nw)[, -1]
cat("joint survival new lp_clinical", format(drop(X0 %*% coef(k0)), digits = 15), "\n")
cat("joint survival new ids", nw$sample_id, "\n")
