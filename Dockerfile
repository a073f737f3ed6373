# syntax=docker/dockerfile:1
# AiQ CRM images: one Dockerfile for every service and the staff web app. Build context: the repository root.
#   docker build --build-arg SERVICE=contacts --target contacts -t aiq-crm/contacts:dev .
# (SERVICE names the workspace package to install, the target its runtime settings; compose
# and deploy/ set both.) The build and runtime stages are shared; each service's final stage
# only says how it listens and starts.

ARG PYTHON_IMAGE=python:3.13-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# ---- build: the locked dependencies of one service only, into /app/.venv ----
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
COPY --from=uv /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# --locked checks uv.lock against the whole workspace, so every member's pyproject.toml must be
# present; only the sources of aiq-shared and the service are copied and installed.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY services/contacts/pyproject.toml services/contacts/pyproject.toml
COPY services/events/pyproject.toml services/events/pyproject.toml
COPY services/notifications/pyproject.toml services/notifications/pyproject.toml
COPY services/staff/pyproject.toml services/staff/pyproject.toml
COPY devstack/pyproject.toml devstack/pyproject.toml

# Third-party dependencies first (cached layer while only sources change).
RUN uv sync --locked --no-dev --no-install-workspace --package aiq-${SERVICE}

COPY shared/src shared/src
COPY services/${SERVICE}/src services/${SERVICE}/src
# --no-editable: aiq-shared and the service are built as wheels into the venv, so the runtime
# stage needs nothing but /app/.venv.
RUN uv sync --locked --no-dev --no-editable --package aiq-${SERVICE}

# ---- runtime: non-root, the virtualenv only ----
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 aiq \
    && useradd --system --uid 10001 --gid aiq --no-create-home --home-dir /app aiq
COPY --from=build --chown=10001:10001 /app/.venv /app/.venv
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001

# ---- the services: how each listens, is checked and starts ----
FROM runtime AS contacts
ENV AIQ_CONTACTS_HOST=0.0.0.0 \
    AIQ_CONTACTS_PORT=8001
EXPOSE 8001
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('AIQ_CONTACTS_PORT', '8001'), timeout=4)"]
CMD ["python", "-m", "aiq_contacts"]

FROM runtime AS events
ENV AIQ_EVENTS_HOST=0.0.0.0 \
    AIQ_EVENTS_PORT=8002
EXPOSE 8002
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('AIQ_EVENTS_PORT', '8002'), timeout=4)"]
CMD ["python", "-m", "aiq_events"]

FROM runtime AS notifications
ENV AIQ_NOTIFICATIONS_HOST=0.0.0.0 \
    AIQ_NOTIFICATIONS_PORT=8003
EXPOSE 8003
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('AIQ_NOTIFICATIONS_PORT', '8003'), timeout=4)"]
CMD ["python", "-m", "aiq_notifications"]

FROM runtime AS staff
ENV AIQ_STAFF_HOST=0.0.0.0 \
    AIQ_STAFF_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('AIQ_STAFF_PORT', '8000'), timeout=4)"]
CMD ["python", "-m", "aiq_staff"]
