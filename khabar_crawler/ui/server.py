"""Datasette over one crawl database, with the project's plugin (:data:`PLUGINS_DIR`) and
metadata, served by uvicorn in this process.

The plugin is loaded with ``plugins_dir`` rather than a ``datasette`` entry point: an entry
point would switch it on for every Datasette of the environment, and plain
``datasette data/khabar.db`` is meant to stay plain (docs/querying.md shows both).

The file is served mutable, so Datasette reads it through ``mode=ro`` connections and sees
what a crawl writes meanwhile (``immutable`` would let SQLite skip the locks a writer
needs); the project's own pages read through ``query_only`` connections
(:mod:`khabar_crawler.ui.store`). Nothing writes.
"""

from __future__ import annotations

import asyncio
import webbrowser
from pathlib import Path
from typing import Any

import uvicorn
from datasette.app import Datasette  # type: ignore[import-untyped]

from khabar_crawler.ui.metadata import metadata

#: the directory Datasette loads the plugin from (``--plugins-dir``)
PLUGINS_DIR = Path(__file__).resolve().parent / "plugins"


def build(database: Path) -> Any:
    """The Datasette instance serving ``database`` (named after the file, as Datasette does)."""
    datasette = Datasette(
        [str(database)],
        metadata=metadata(database.stem),
        plugins_dir=str(PLUGINS_DIR),
        settings={"default_facet_size": 20},
    )
    asyncio.run(datasette.invoke_startup())
    return datasette


def serve(database: Path, host: str, port: int, open_browser: bool) -> None:
    """Serve until interrupted; ``open_browser`` opens the search page first."""
    datasette = build(database)
    if open_browser:
        webbrowser.open(f"http://{host}:{port}/-/search")
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
