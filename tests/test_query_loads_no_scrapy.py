"""The read side needs no crawler: the khabar CLI and the migration command load no Scrapy
(DESIGN: query/ imports no Scrapy), which also halves the CLI's start-up time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT


@pytest.mark.parametrize("module", ["khabar_crawler.query.cli", "khabar_crawler.db.migrate"])
def test_the_read_side_loads_no_scrapy(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scrapy'))"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
