# syntax=docker/dockerfile:1.7
# The platform on CPU: webserver, daemon, code location and every step that needs no GPU.
# Build from the repository root:  docker build -t nexus-platform:latest .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    NEXUS_HOME=/data/nexus \
    DO_NOT_TRACK=1 \
    WANDB_MODE=offline \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# git: DVC needs it for the model registry; tini: forwards signals to dagster processes.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/nexus
RUN python -m venv /opt/venv

# torch: the CPU build (the lock pins torch==2.13.0+cpu, which PyPI does not carry).
COPY constraints.txt ./
# hadolint ignore=DL3013
RUN TORCH="$(grep '^torch==' constraints.txt)" \
 && pip install --index-url https://download.pytorch.org/whl/cpu "$TORCH"

# The project, editable: it reads tasks/, config/, dbt/ and sample_data/ from beside the package.
COPY . .
# Versions come from the lock (constraints.txt).
# hadolint ignore=DL3013
RUN DAGSTER_LIB="$(sed -n 's/^dagster-k8s==//p' constraints.txt)" \
 && pip install -c constraints.txt -e . "dagster-postgres==${DAGSTER_LIB}" \
 && mkdir -p "$DAGSTER_HOME" "$NEXUS_HOME"

EXPOSE 3000 4000
ENTRYPOINT ["tini", "--"]
# The code location (gRPC); the webserver and daemon containers override the command.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "nexus_platform.definitions"]
