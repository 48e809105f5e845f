"""Benchmarks (not tests): ``python -m bench`` prints timings as ratios against plain Brightway."""
