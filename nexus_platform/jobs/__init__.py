"""Named jobs and the executors they run on."""

import dagster as dg

from nexus_platform.asset_keys import PARQUET_TABLES

# Converts a range of landing files in one run (see the landing sensor).
ingest_job = dg.define_asset_job(
    "ingest",
    selection=dg.AssetSelection.assets(PARQUET_TABLES),
    description="Convert landing files (a partition range) into Parquet tables.",
)
