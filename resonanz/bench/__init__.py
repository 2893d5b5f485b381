"""Benchmarks behind `resonanz bench ...`."""
