# syntax=docker/dockerfile:1
#
# One image for every role: `oms serve` (default), `oms worker`, `oms scheduler`,
# `oms migrate`. Configure it with OMS_* environment variables; see docker-compose.yml.
# Outside compose, run it with `docker run --init ...` so stray child processes are reaped.

# --- build: install the package and its dependencies into a self-contained virtualenv ----
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /build
# The locked runtime dependencies first (hash-checked; a layer that survives code changes),
# then the package itself without resolving anything else.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --upgrade pip \
    && pip install --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY src ./src
COPY integrations ./integrations
# A regular (not editable) install: the runtime stage copies only /opt/venv.
RUN pip install --no-deps . \
    && pip check

# --- runtime: the virtualenv, the migrations, an unprivileged user --------------------------
FROM python:3.11-slim AS runtime

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMS_HOST=0.0.0.0 \
    OMS_PORT=8000 \
    OMS_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 oms \
    && useradd --system --uid 10001 --gid oms --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin oms

# Migrations are found as ./migrations relative to the working directory (oms.db.migrate).
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY migrations ./migrations
# Only used without OMS_DATABASE_URL (embedded PostgreSQL, which refuses to run as root).
RUN mkdir -p /app/data && chown oms:oms /app/data

USER oms
EXPOSE 8000

# Liveness of the HTTP API. Worker and scheduler containers serve no HTTP: disable it for them.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('OMS_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["oms"]
CMD ["serve"]
