"""External sources: Airbyte-managed syncs and the direct ÖKOBAUDAT (soda4LCA) reader.

Pure domain code (no Dagster import): the assets in `nexus_platform.assets.sources` are thin
wrappers over these modules.
"""
