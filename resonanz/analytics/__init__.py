"""MEASURE: read-only computations over the store."""
