#!/usr/bin/env bash
# Run the cockpit: embedded SQLite under ./data/ (or DATABASE_URL), demo company on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python app.py "$@"
