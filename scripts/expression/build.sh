#!/usr/bin/env bash
# Rebuilds models/expression/mp468-pca-v1 from the real clips in ../shared/data/driving:
# tracks each clip with landmarks only (no expression model yet), then learns the model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${NPGA_SHARED_DATA:-$root/../shared/data}/driving"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
specs=()
for c in d0 d3 d6 d9 d14; do
  "$root/scripts/npga" track --input "$data/$c.mp4" --out "$work/$c.jsonl" --no-expression
  specs+=("$c=$work/$c.jsonl")
done
cd "$root"
/usr/bin/python3 scripts/expression/build_expression_model.py "${specs[@]}" --out models/expression "$@"
