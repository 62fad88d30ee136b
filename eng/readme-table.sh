#!/usr/bin/env bash
# Replaces README.md's campaign table (between the campaign-table markers) with the one the last
# `./ddia-verify campaign` wrote to STORE/campaign.md, so README shows what `make run` printed.
set -euo pipefail
table="${1:-store/campaign.md}"
readme="${2:-README.md}"
[[ -s "$table" ]] || { echo "readme-table: $table is missing or empty: run 'make run' first" >&2; exit 1; }
grep -q '^<!-- campaign-table -->$' "$readme" && grep -q '^<!-- /campaign-table -->$' "$readme" \
  || { echo "readme-table: $readme has no <!-- campaign-table --> ... <!-- /campaign-table --> markers" >&2; exit 1; }
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
awk -v table="$table" '
  /^<!-- campaign-table -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /^<!-- \/campaign-table -->$/ { skip = 0 }
  !skip { print }
' "$readme" > "$tmp"
cat "$tmp" > "$readme"
echo "readme-table: $readme now shows $table"
