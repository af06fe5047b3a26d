#!/usr/bin/env bash
# Run the cockpit with gunicorn (gunicorn.conf.py): embedded SQLite under ./data/ (or
# DATABASE_URL), demo company on first start. Extra arguments go to gunicorn
# (e.g. scripts/run.sh --workers 2 --threads 8).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/gunicorn --config gunicorn.conf.py "$@" app:server
