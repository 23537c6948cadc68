"""Benchmarks of the catalog, run by ``make bench`` (``python -m bench``); see README.md."""
