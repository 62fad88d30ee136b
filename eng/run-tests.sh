#!/usr/bin/env bash
# `make test`: every test project but the end-to-end one, in parallel; then the end-to-end tests alone, since
# they own the machine's namespaces, firewall and CPU while real clusters run (timing-sensitive faults must
# not compete with other suites). Both phases always run; the last line sums them: "N passed, N failed, N skipped".
set -uo pipefail
config=${1:-Release}
log=.test-output.log
: > "$log"
dotnet test Ddia.Verify.sln -c "$config" --no-build --nologo --filter "Category!=EndToEnd" 2>&1 | tee -a "$log"
# Each end-to-end test with its duration (they are what makes the suite long).
dotnet test harness/Ddia.Verify.EndToEnd.Tests -c "$config" --no-build --nologo --logger "console;verbosity=normal" 2>&1 | tee -a "$log"
exec eng/test-summary.sh "$log"
