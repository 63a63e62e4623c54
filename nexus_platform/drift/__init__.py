"""Incoming-data checks: integrity, feature/label drift and text-embedding drift (deepchecks).

Pure domain code (no Dagster): `config` (what is checked against what), `reference` (finding
tables), `report.check_table` (run everything, write HTML + JSON). deepchecks is imported
inside the functions that use it.
"""
