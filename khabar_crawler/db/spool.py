"""The spool: what the store holds when the database stays away, kept on local disk and written
to the database first by the next crawl.

One JSON Lines file a run (``<KHABAR_SPOOL_DIR>/run-<run id>.jsonl``), appended to and
fsynced line by line batch: an ``article`` line is an article item with the pipelines' notes
(search forms, fingerprints, the page's state), a ``rejection`` line a ``rejected_pages`` row
to be, and a ``run`` line the run's own closing (its ``crawl_runs`` row could not be written
either). :func:`drain` writes a file's lines in one transaction, with the run's row closed and
marked (``khabar/spool/stored`` in its stats) in the same transaction, then removes the file:
a file found again after a kill between the two is recognised by its mark and only removed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from khabar_crawler.db.database import Database
from khabar_crawler.db.models import CrawlRun
from khabar_crawler.db.writes import BatchWrite, Rejection
from khabar_crawler.files import sync_directory
from khabar_crawler.items import ArticleItem, PipelineNotes
from khabar_crawler.site import Site

logger = logging.getLogger(__name__)
MARK = "khabar/spool/stored"
_STATE_TIMES = ("changed_at", "fetched_at")


def _state_out(state: dict[str, Any] | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {key: value.isoformat() if key in _STATE_TIMES else value for key, value in state.items()}


def _state_in(state: dict[str, Any] | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        key: datetime.fromisoformat(value) if key in _STATE_TIMES else value for key, value in state.items()
    }


def article_line(item: ArticleItem) -> dict[str, Any]:
    notes = asdict(item.pipeline)
    notes["page_state"] = _state_out(item.pipeline.page_state)
    return {"kind": "article", "item": asdict(item), "notes": notes}


def article_from_line(line: dict[str, Any]) -> ArticleItem:
    names = {f.name for f in fields(ArticleItem)}
    item = ArticleItem(**{key: value for key, value in line["item"].items() if key in names})
    notes = dict(line["notes"])
    notes["page_state"] = _state_in(notes.get("page_state"))
    item.pipeline = PipelineNotes(**notes)
    return item


def rejection_line(rejection: Rejection) -> dict[str, Any]:
    return {
        "kind": "rejection",
        "url": rejection.url,
        "reason": rejection.reason,
        "detail": rejection.detail,
        "at": rejection.at.isoformat(),
        "page_state": _state_out(rejection.page_state),
    }


def rejection_from_line(line: dict[str, Any]) -> Rejection:
    at = datetime.fromisoformat(line["at"])
    return Rejection(line["url"], line["reason"], line.get("detail"), at, _state_in(line.get("page_state")))


class Spool:
    """The spool file of one run."""

    def __init__(self, directory: str | Path, run_id: int | None) -> None:
        self.directory = Path(directory)
        name = f"run-{run_id}.jsonl" if run_id is not None else f"run-unknown-{os.getpid()}.jsonl"
        self.path = self.directory / name
        self.run_id = run_id

    def append(self, lines: list[dict[str, Any]]) -> None:
        """Append ``lines`` and fsync them (and the folder, for a new file); OSError when the
        disk refuses."""
        if not lines:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        text = "".join(
            json.dumps({**line, "run_id": self.run_id}, ensure_ascii=False) + "\n" for line in lines
        )
        with self.path.open("a", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if new:
            sync_directory(self.directory)


def spooled_files(directory: str | Path) -> list[Path]:
    """The spool files waiting in ``directory``, oldest run first."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("run-*.jsonl"), key=lambda path: (len(path.name), path.name))


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The file's lines; a last line cut short by a crash is left out."""
    with path.open(encoding="utf-8") as file:
        for number, text in enumerate(file, 1):
            try:
                yield json.loads(text)
            except json.JSONDecodeError:
                logger.warning("%s:%d: an incomplete spool line (cut by a crash?) left out", path, number)


def already_stored(session: Session, run_id: int | None, path: Path) -> bool:
    """Whether this file's lines were committed before (its run carries the mark)."""
    run = session.get(CrawlRun, run_id) if run_id is not None else None
    return run is not None and path.name in ((run.stats or {}).get(MARK) or [])


def close_run(session: Session, run_id: int | None, path: Path, closing: dict[str, Any] | None) -> None:
    """Close the spooled run's row as its ``run`` line says (else ``failed``,
    ``database_unavailable``) and mark the file stored, in the caller's transaction."""
    run = session.get(CrawlRun, run_id) if run_id is not None else None
    if run is None:
        return
    if run.status == "running":
        closing = closing or {}
        run.status = closing.get("status", "failed")
        run.finish_reason = closing.get("finish_reason", "database_unavailable")
        finished = closing.get("finished_at")
        run.finished_at = datetime.fromisoformat(finished) if finished else None
        for column, value in (closing.get("counts") or {}).items():
            setattr(run, column, value)
        run.stats = dict(closing.get("stats") or run.stats or {})
    stats = dict(run.stats or {})
    stats[MARK] = [*(stats.get(MARK) or []), path.name]
    run.stats = stats


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    sync_directory(path.parent)


#: the crawl_runs count columns a spooled outcome adds to
_OUTCOME_COLUMNS = {"new": "items_new", "updated": "items_updated", "unchanged": "items_unchanged"}


def drain_file(
    database: Database, path: Path, site: Site, threshold: float, batch: int = 500
) -> dict[str, int]:
    """Write one spool file in one transaction (stamped with its run), close its run, remove
    it; the outcomes written, counted."""
    lines = list(read_lines(path))
    run_id = next((line.get("run_id") for line in lines), None)
    items = [article_from_line(line) for line in lines if line.get("kind") == "article"]
    rejections = [rejection_from_line(line) for line in lines if line.get("kind") == "rejection"]
    closing = next((line for line in reversed(lines) if line.get("kind") == "run"), None)
    outcomes: dict[str, int] = {}
    with database.sessions.begin() as session:
        if already_stored(session, run_id, path):
            logger.info("Spool %s was written before (its run is marked): removed", path)
        else:
            for start in range(0, max(len(items), 1), batch):
                chunk_rejections = rejections if start == 0 else []
                with session.no_autoflush:
                    written = BatchWrite(session, run_id, site, threshold).write(
                        items[start : start + batch], chunk_rejections
                    )
                session.flush()
                for entry in written:
                    outcomes[entry.outcome] = outcomes.get(entry.outcome, 0) + 1
            outcomes["rejected"] = len(rejections)
            close_run(session, run_id, path, closing)
            run = session.get(CrawlRun, run_id) if run_id is not None else None
            if run is not None:
                for outcome, column in _OUTCOME_COLUMNS.items():
                    setattr(run, column, getattr(run, column) + outcomes.get(outcome, 0))
                run.items_rejected += len(rejections)
    remove(path)
    return outcomes


def drain_spool(database: Database, directory: str | Path, site: Site, threshold: float) -> dict[str, int]:
    """Write every spool file waiting in ``directory`` (see :func:`drain_file`)."""
    total: dict[str, int] = {}
    for path in spooled_files(directory):
        outcomes = drain_file(database, path, site, threshold)
        logger.warning(
            "Wrote the spool %s of an earlier run: %s",
            path,
            ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "nothing",
        )
        for outcome, count in outcomes.items():
            total[outcome] = total.get(outcome, 0) + count
    return total
