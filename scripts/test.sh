#!/usr/bin/env bash
# Run every test: lint (ruff, import-linter), then unit, data-access (SQLite + PostgreSQL),
# service, web and headless-browser tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export TMPDIR="${TMPDIR_TESTS:-$PWD/.tmp}"
mkdir -p "$TMPDIR"
echo "==> ruff"
.venv/bin/ruff check .
echo "==> import-linter"
.venv/bin/lint-imports --no-cache
echo "==> pytest"
status=0
# Two workers, whole files each: the suite is CPU-bound on 2 cores (three workers took 19 min
# 58 s, two 19 min 57 s and 20 min 18 s in clean-clone runs). The 15 slowest tests are listed
# at the end, so a new slow one shows in the CI log.
# The wall's soak (300 refreshes, 1 s apart: 5 min of waiting on the wall's timer, little CPU)
# would hold one of the two workers meanwhile: on a full run it runs beside them, in a pytest
# of its own, and its outcome counts like the others'.
xdist=(--headless -n 2 --dist loadfile --durations=15)
if [ $# -eq 0 ]; then
  soak=tests/browser/test_wall.py::test_soak_of_300_refreshes_keeps_the_dom_flat_and_the_console_clean
  soak_log="$TMPDIR/soak.log"
  .venv/bin/python -m pytest --headless -q --basetemp "$TMPDIR/soak" "$soak" >"$soak_log" 2>&1 &
  soak_pid=$!
  # A background job of a script ignores Ctrl-C: stop it with the script, however that ends.
  trap 'kill "$soak_pid" 2>/dev/null || true' EXIT
  .venv/bin/python -m pytest "${xdist[@]}" --deselect "$soak" || status=$?
  soak_status=0
  wait "$soak_pid" || soak_status=$?
  echo "==> pytest: the wall soak, run beside the rest"
  cat "$soak_log"
  if [ "$status" -eq 0 ]; then status=$soak_status; fi
else
  .venv/bin/python -m pytest "${xdist[@]}" "$@" || status=$?
fi
# pytest exits 5 when no test was collected: that is a failure here too.
exit $status
