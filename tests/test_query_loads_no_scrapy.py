"""The read side needs no crawler: the khabar CLI and the migration command load no Scrapy
(DESIGN: query/ imports no Scrapy), which also halves the CLI's start-up time; and the pure
rooms, extraction and Arabic text, load neither Scrapy nor the database."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT


@pytest.mark.parametrize(
    "module",
    [
        "khabar_crawler.query.cli",
        "khabar_crawler.db.migrate",
        "khabar_crawler.extract",
        "khabar_crawler.text.dates",
    ],
)
def test_the_read_side_loads_no_scrapy(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scrapy'))"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["khabar_crawler.extract", "khabar_crawler.text.dates"])
def test_the_pure_rooms_load_no_database(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
