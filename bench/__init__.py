"""Benchmarks: each makes its own data at scale, runs every variant in its own process, and reports ratios
against a baseline measured in the same run (DESIGN.md "Testing without the internet"). See README.md here.
"""
