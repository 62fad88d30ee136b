#!/usr/bin/env bash
# Sums the per-project results of `dotnet test` into the one closing line CI reads: "N passed, N failed, N skipped".
# A project run at the default verbosity ends in one line ("Passed!  - Failed: 0, Passed: 57, Skipped: 0, ..."), one run
# at normal verbosity (each test with its duration) in a block ("Total tests: 57", "     Passed: 57", "     Failed: 1").
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
  /^Total tests: [0-9]+$/ { projects++ }
  /^ +Passed: [0-9]+$/  { p += $2 }
  /^ +Failed: [0-9]+$/  { f += $2 }
  /^ +Skipped: [0-9]+$/ { s += $2 }
  END {
    if (projects == 0) { print "no test results found" > "/dev/stderr"; exit 1 }
    printf "%d passed, %d failed, %d skipped\n", p, f, s
    exit (f > 0 ? 1 : 0)
  }' "$log"
