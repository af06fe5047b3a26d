#!/usr/bin/env bash
# Set up everything the cockpit needs on a fresh machine of this kind; safe to run again.
#   scripts/setup.sh          runtime: virtual environment + pinned requirements
#   scripts/setup.sh --dev    also tests: dev requirements, Chromium + ChromeDriver, PostgreSQL up
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
PY=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
REQ=requirements.txt
[ "$DEV" = 1 ] && REQ=requirements-dev.txt
STAMP=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$DEV"
if [ ! -f "$STAMP" ]; then
  echo "==> installing $REQ"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQ"
  touch "$STAMP"
fi

# The PDF reports embed a CJK font (components/report_files.py looks for these files).
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] \
  && [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] && [ -z "${REPORT_CJK_FONT:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's fonts-wqy-microhei (CJK font of the PDF reports)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null
  else
    echo "warning: no CJK font for PDF reports; sudo apt-get install fonts-wqy-microhei" >&2
  fi
fi

if [ "$DEV" = 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      echo "==> installing Debian's chromium + chromium-driver"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
      echo "warning: chromium/chromedriver missing; run as root or: sudo apt-get install chromium chromium-driver" >&2
    fi
  fi
  if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
      echo "==> starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
  # Redis serves the Celery job test (REDIS_URL deployments); Debian's redis-server if it is down.
  if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if command -v redis-server >/dev/null; then
      echo "==> starting Redis"
      redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
      for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
    fi
  fi
fi
