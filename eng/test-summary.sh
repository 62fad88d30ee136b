#!/usr/bin/env bash
# Sums the per-project results of `dotnet test` into the one closing line CI reads: "N passed, N failed, N skipped".
# A project run at the default verbosity ends in one line ("Passed!  - Failed: 0, Passed: 57, Skipped: 0, ..."), one run
# at normal verbosity (each test with its duration) in a block ("Total tests: 57", "     Passed: 57", "     Failed: 1").
# Above that line it repeats each failed test with the first line of its message: CI keeps only the log's tail, and a
# failure in the first phase would otherwise scroll out of it behind the end-to-end tests.
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
  # A failed test ("  Failed Some.Test(arg: 1) [12 ms]"), then "  Error Message:" and the message on the next line.
  /^ +Failed [^ ]/ { failed[++n] = $0; wantMessage = 0 }
  wantMessage == 1 { message[n] = $0; wantMessage = 0 }
  /^ +Error Message:$/ && n > 0 && !(n in message) { wantMessage = 1 }
  END {
    if (projects == 0) { print "no test results found" > "/dev/stderr"; exit 1 }
    if (n > 0) {
      print "Failed tests:"
      for (i = 1; i <= n; i++) {
        sub(/^ +/, "", failed[i]); line = "  " failed[i]
        if (i in message) { m = message[i]; sub(/^ +/, "", m); line = line " -- " substr(m, 1, 300) }
        print line
      }
    }
    printf "%d passed, %d failed, %d skipped\n", p, f, s
    exit (f > 0 ? 1 : 0)
  }' "$log"
