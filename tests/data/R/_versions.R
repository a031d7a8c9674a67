# Sourced by every reference script: print R's and the packages' versions with the numbers.
versions <- function(pkgs) {
  cat(R.version.string, "\n")
  for (p in pkgs) cat(sprintf("%s %s\n", p, as.character(packageVersion(p))))
  cat("\n")
}
options(digits = 15)
here <- function(...) file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "..", ...)
