"""File formats to typed Arrow tables. Pure domain code: no Dagster imports here."""
