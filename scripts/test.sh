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
# Two workers, whole files each: browser tests spend most of their time waiting on Chromium
# and on timers (the wall soak), so two of them overlap well even on 2 cores.
.venv/bin/python -m pytest --headless -n 2 --dist loadfile "$@" || status=$?
# pytest exits 5 when no test was collected: that is a failure here too.
exit $status
