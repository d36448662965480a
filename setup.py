"""Kept for `scrapyd-deploy`, which builds its egg with `python setup.py bdist_egg` and would
otherwise write a setup.py of its own into the checkout. Everything is in pyproject.toml,
including the `scrapy` entry point (settings module) that Scrapyd reads from the egg."""

from setuptools import setup

setup()
