#!/usr/bin/env bash
# Run the benchmarks in bench/ (each prints figures and ratios against a same-run baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
for script in bench/[!_]*.py; do  # _*.py: helpers of the benches
  echo "==> $script"
  .venv/bin/python "$script" "$@"
done
