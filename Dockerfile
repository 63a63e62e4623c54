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

# git: DVC needs it for the model registry; tini: forwards signals to dagster processes;
# tesseract (German, English): OCR of scans and images.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git tini \
    tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/nexus
RUN python -m venv /opt/venv

# torch first, from the PyTorch CPU index: the lock pins the public version (torch==2.13.0),
# which on PyPI is the CUDA build; this index serves the same version as 2.13.0+cpu.
COPY constraints.txt ./
# hadolint ignore=DL3013
RUN TORCH="$(grep '^torch==' constraints.txt)" \
 && pip install --index-url https://download.pytorch.org/whl/cpu "$TORCH"

# The project, editable: it reads tasks/, config/, dbt/ and sample_data/ from beside the package.
COPY . .
# Versions come from the lock, with the production extras (Postgres instance storage and the
# BigQuery dbt target). dbt-bigquery 1.11 pins google-cloud-storage<3.2: that one pin of the
# lock is left out, as `make install-gcp` does.
# hadolint ignore=DL3013
RUN grep -v '^google-cloud-storage==' constraints.txt > /opt/constraints-prod.txt \
 && pip install -c /opt/constraints-prod.txt -e '.[gcp]' \
 && python -c "import dbt.adapters.bigquery, dagster_postgres" \
 && mkdir -p "$DAGSTER_HOME" "$NEXUS_HOME"

# The dbt manifest the warehouse code location builds its assets from (.dockerignore keeps a
# developer's dbt/target out; this one matches the image's dbt project).
RUN dbt parse --quiet --project-dir dbt --profiles-dir dbt \
 && test -s dbt/target/manifest.json

EXPOSE 3000 4000
ENTRYPOINT ["tini", "--"]
# The code location (gRPC); the webserver and daemon containers override the command.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "nexus_platform.definitions"]
