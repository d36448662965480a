"""Durable changes to local folders (the snapshot journal, the store's spool)."""

from __future__ import annotations

import os
from pathlib import Path


def sync_directory(directory: Path) -> None:
    """Make a file created, renamed or removed in ``directory`` durable (POSIX: fsync the
    folder itself; the file's own fsync does not cover its name)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
