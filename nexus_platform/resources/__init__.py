"""Dagster resources: thin configurable wrappers that hand domain code what it needs."""
