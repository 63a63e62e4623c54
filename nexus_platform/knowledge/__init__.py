"""The knowledge base: converted tables and documents turned into stable, searchable records.

Pure domain code (no Dagster import). `build.build_knowledgebase` is the entry point; the
record contract is described in `records`.
"""
