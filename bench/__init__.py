"""Benchmarks of khabar_crawler (``python -m bench``); results go to docs/benchmarks.md.

Benchmarks measure, tests assert: nothing here is run by pytest, and targets are compared as
ratios measured in one run on the same machine.
"""
