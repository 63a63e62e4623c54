"""Text embeddings: providers behind one small interface. No Dagster imports here."""
