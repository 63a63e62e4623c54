"""Dagster assets and their checks, one module per domain. Thin wrappers over domain code."""
