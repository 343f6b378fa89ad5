"""Benchmarks and evaluations, each runnable on its own (see bench/README.md)."""
