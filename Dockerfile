# One image for every process of the service: `lifecycle worker` (default), `lifecycle webhook`,
# `lifecycle codec-server`, and the operator verbs (`docker compose run --rm worker ops ...`).
# It installs the pinned, hash-checked versions of requirements-prod.lock (no dev extras, no
# Temporal dev server), then this repository's package,
# and runs as an unprivileged user.

# ---- build: a virtualenv holding the package and its dependencies -------------------------
FROM python:3.11.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# Only what the package is built from (never .env, .venv, .data or tests).
COPY pyproject.toml README.md requirements-prod.lock ./
COPY lifecycle ./lifecycle
COPY integrations ./integrations
COPY contracts ./contracts
COPY activities ./activities
COPY workflows ./workflows
COPY workers ./workers
COPY starters ./starters
COPY simulators ./simulators

RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install --require-hashes -r requirements-prod.lock \
    && /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/lifecycle --help > /dev/null

# ---- runtime -------------------------------------------------------------------------------
FROM python:3.11.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LIFECYCLE_POLICY=/app/config/policy.yaml \
    LIFECYCLE_DATA_DIR=/app/.data

RUN groupadd --system --gid 10001 lifecycle \
    && useradd --system --uid 10001 --gid lifecycle --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin lifecycle

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The example policy; mount your own over /app/config/policy.yaml (read-only).
COPY config ./config
RUN mkdir -p /app/.data && chown lifecycle:lifecycle /app/.data

USER 10001:10001

# 8090 webhook receiver, 8089 codec server, 9464 worker metrics (Prometheus).
EXPOSE 8090 8089 9464

# SIGTERM lets the worker finish its activities (30 s graceful shutdown; compose waits 40 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["lifecycle"]
CMD ["worker"]
