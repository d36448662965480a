"""Extraction quality against the golden files: field accuracy and body token F1, ours and
trafilatura's (body only: it has no notion of the other golden fields)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from khabar_crawler.extract import decode_html, extract_article
from khabar_crawler.items import GOLDEN_FIELDS
from khabar_crawler.snapshot.manifest import Snapshot

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "fixtures" / "khabarayn"


def token_f1(candidate: str, reference: str) -> float:
    got, want = Counter(candidate.split()), Counter(reference.split())
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def run() -> dict[str, Any]:
    import trafilatura

    snapshot = Snapshot(SNAPSHOT)
    pages: dict[str, Any] = {}
    matched = total = 0
    for path in sorted((SNAPSHOT / "expected").glob("*.json")):
        golden = json.loads(path.read_text("utf-8"))
        saved = snapshot.get(golden["url"])
        assert saved is not None
        _, html = decode_html(saved.body(), saved.header("Content-Type"))
        item = extract_article(html, golden["url"])
        ours = asdict(item) if item else {}
        fields = {field: ours.get(field) == golden[field] for field in GOLDEN_FIELDS}
        matched += sum(fields.values())
        total += len(fields)
        theirs = trafilatura.extract(html, url=golden["url"], output_format="txt") or ""
        pages[path.stem] = {
            "field_accuracy": round(sum(fields.values()) / len(fields), 3),
            "body_f1": round(token_f1(ours.get("body", ""), golden["body"]), 3),
            "trafilatura_body_f1": round(token_f1(theirs, golden["body"]), 3),
        }
    return {"field_accuracy": round(matched / total, 3), "pages": pages}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
