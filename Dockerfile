# The cockpit's one image: the web server (default command), `python -m dashboard worker` and the
# export jobs' Celery worker all run from it (compose.yaml). Build: docker build -t field-visit-cockpit .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes. Every pinned
# package ships a manylinux wheel for Python 3.11, so no compiler is installed.
COPY requirements.txt .
RUN pip install -r requirements.txt
# The PDF reports embed a CJK font: WenQuanYi Micro Hei, Debian's fonts-wqy-microhei (4 MB).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# The code stays owned by root (read-only for the app); the app's user writes only the data
# folder (the embedded SQLite database and its lock files, the secret_key file when SECRET_KEY is
# unset, the disk cache of export jobs without REDIS_URL, gunicorn's control socket) and a
# home directory.
RUN useradd --system --uid 10001 --create-home --home-dir /home/cockpit --shell /usr/sbin/nologin cockpit \
    && mkdir -p /app/data \
    && chown cockpit:cockpit /app/data
COPY . .
# Compiled once here, since the app's user cannot write __pycache__ beside the code.
RUN python -m compileall -q app.py gunicorn.conf.py components dashboard data_access pages

USER cockpit
# PYTHONPATH: `python -m dashboard` and `celery -A app:celery_app` find the code
# from any working directory.
ENV HOST=0.0.0.0 \
    PORT=8050 \
    COCKPIT_DATA_DIR=/app/data \
    PYTHONPATH=/app
EXPOSE 8050

# The same invocation as scripts/run.sh (tests/unit/test_deployment_files.py keeps them equal).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:server"]
