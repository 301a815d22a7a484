"""Benchmarks that print their figures; run through `make bench-*`."""
