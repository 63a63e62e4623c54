"""Partition definitions shared by several domains."""

import warnings

import dagster as dg

# Partitioned asset checks and backfill policies are marked preview/beta in Dagster 1.13;
# the platform relies on them deliberately (per-file checks, single-run backfills).
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)

# One partition per landing file; the key is the path relative to the landing root.
# LANDING_FILES is its name as a plain str (the definition's `.name` is typed Optional).
LANDING_FILES = "landing_files"
landing_files = dg.DynamicPartitionsDefinition(name=LANDING_FILES)
