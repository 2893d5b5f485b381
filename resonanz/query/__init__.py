"""The topic query language: parse, lint, match (see docs/queries.md)."""
