#!/usr/bin/env bash
# Sums the per-project lines of `dotnet test` ("Passed!  - Failed: 0, Passed: 57, Skipped: 0, ...")
# into the one closing line CI reads: "N passed, N failed, N skipped".
set -euo pipefail
log=$1
awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) }
      if ($i == "Passed:")  { p += $(i+1) }
      if ($i == "Skipped:") { s += $(i+1) }
    }
    projects++
  }
  END {
    if (projects == 0) { print "no test results found" > "/dev/stderr"; exit 1 }
    printf "%d passed, %d failed, %d skipped\n", p, f, s
    exit (f > 0 ? 1 : 0)
  }' "$log"
