"""Real news pages (``../shared/realworld``): body F1 end to end, ours against trafilatura.

    python -m bench.realworld                 # print the table, figures in bench/.work/realworld.json
    python -m bench.realworld --write-docs    # and rewrite its section of docs/benchmarks.md

Each page is replayed alone, as the README of the corpus says: a snapshot with one manifest
entry (the page's URL, status 200, ``text/html; charset=utf-8``) and
``-s KHABARAYN_SITE_URL=<the page's origin>``, through ``scrapy crawl khabarayn`` in its own
process with a fresh SQLite database. The item scored is the one that reaches the feed after
the item pipelines; a page that gives no item scores 0, and its crawl's stats and log say why
(kept in ``bench/.work/realworld/<id>/``). Body F1 is the F1 of the multisets of tokens of the
item's ``body`` and the reference, each ``unicodedata.normalize("NFC", s).split()``.

trafilatura runs on the same pages with ``trafilatura.extract(html, url=url,
output_format="txt")`` and its defaults, scored the same way. Speed: our pure extraction
(``extract_article`` in process) and that trafilatura call, in turns on the same pages.

The corpus is development material outside the project: ``KHABAR_REALWORLD_DIR`` or
``../shared/realworld`` next to the repository; without it this prints a note and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(__file__).resolve().parent / ".work"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- realworld:begin -->", "<!-- realworld:end -->"
HEADING = "## Real pages (../shared/realworld)"
CONTENT_TYPE = "text/html; charset=utf-8"
TRAFILATURA_OPTIONS = 'trafilatura.extract(html, url=url, output_format="txt"), defaults otherwise'
#: what a crawl may take for one page before it counts as failed
PAGE_TIMEOUT = 300

_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_SEPARATOR = re.compile(r"\s[-|–—·•]\s")
_YEAR = re.compile(r"[0-9]{4}")
_OG_SITE_NAME = re.compile(
    r"<meta\b[^>]*?(?:property|name)\s*=\s*[\"']og:site_name[\"'][^>]*>", re.IGNORECASE | re.DOTALL
)
_CONTENT_ATTR = re.compile(r"\bcontent\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE | re.DOTALL)


def corpus_dir() -> Path:
    """``KHABAR_REALWORLD_DIR`` or ``../shared/realworld`` beside the repository."""
    override = os.environ.get("KHABAR_REALWORLD_DIR")
    return Path(override) if override else ROOT.parent / "shared" / "realworld"


def available(corpus: Path | None = None) -> bool:
    corpus = corpus or corpus_dir()
    return (corpus / "corpus.json").is_file()


# --- scoring ------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def body_f1(candidate: str | None, reference: str) -> float:
    """F1 of the multisets of NFC tokens of ``candidate`` and ``reference`` (0 without a candidate)."""
    got, want = Counter(tokens(candidate or "")), Counter(tokens(reference))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_year(article_id: str | None) -> bool:
    """A 4-digit number 1990..2100 standing alone: a date part taken for an id."""
    return bool(article_id and _YEAR.fullmatch(article_id.strip()) and 1990 <= int(article_id) <= 2100)


def og_site_name(html: str) -> str | None:
    head = html[: html.lower().find("</head>")] if "</head>" in html.lower() else html[:200_000]
    for tag in _OG_SITE_NAME.findall(head):
        found = _CONTENT_ATTR.search(tag)
        if found:
            value = (found.group(1) or found.group(2) or "").strip()
            if value:
                return value
    return None


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def site_suffix(title: str, url: str, site_name: str | None) -> str | None:
    """The suffix of ``title`` after " - " / " | " (or a similar separator) when it names the
    page's site: its og:site_name, or its host name (``www.lemonde.fr`` -> "Le Monde")."""
    separators = list(_SEPARATOR.finditer(title))
    if not separators:
        return None
    suffix = title[separators[-1].end() :].strip()
    said = _squash(suffix)
    if not said:
        return None
    names = [_squash(site_name)] if site_name else []
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    labels = [label for label in host.split(".") if len(label) >= 3 and label not in ("com", "net", "org")]
    names += [_squash(label) for label in labels[:1]]
    for name in filter(None, names):
        if name == said or name in said or (len(said) >= 4 and said in name):
            return suffix
    return None


def title_problems(title: str | None, url: str, html: str) -> list[str]:
    problems = []
    if title:
        entity = _ENTITY.search(title)
        if entity:
            problems.append(f"HTML entity {entity.group(0)}")
        suffix = site_suffix(title, url, og_site_name(html))
        if suffix:
            problems.append(f"site name as suffix ({suffix!r})")
    return problems


# --- one page end to end ------------------------------------------------------------------


def make_snapshot(entry: dict[str, Any], page: Path, directory: Path) -> Path:
    """A snapshot directory holding only ``page``, saved under the entry's URL."""
    pages = directory / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    name = f"{entry['id']}.html"
    shutil.copyfile(page, pages / name)
    manifest = [
        {
            "url": entry["url"],
            "file": f"pages/{name}",
            "status": 200,
            "headers": {"Content-Type": CONTENT_TYPE},
        }
    ]
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    return directory


def crawl_command(snapshot: Path, site_origin: str, work: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "khabarayn",
        "-a",
        f"replay={snapshot}",
        "-s",
        f"KHABARAYN_SITE_URL={site_origin}",
        "-s",
        f"DATABASE_URL=sqlite:///{work / 'db.sqlite'}",
        "-s",
        f"KHABAR_STATS_FILE={work / 'stats.json'}",
        "-s",
        "LOG_LEVEL=INFO",
        "-s",
        f"LOG_FILE={work / 'crawl.log'}",
        "-O",
        f"{work / 'items.jsonl'}:jsonlines",
    ]


def no_item_reason(stats: dict[str, Any], log: str) -> str:
    """Why a crawl of one page gave no item, from its final stats and its log."""
    dropped = [key.rsplit("/", 1)[-1] for key in stats if key.startswith("khabar/validate/dropped/")]
    if dropped:
        # the drop message names every rule the item broke: "reason: message; reason: message (url)"
        details = re.findall(r"Dropped: (.*)", log)
        reasons = re.findall(r"(?:^|; )([a-z_]+): ", details[0]) if details else []
        return "validate: " + ", ".join(dict.fromkeys(reasons or dropped))
    for key in sorted(stats):
        if key.startswith("khabar/page/"):
            return key.removeprefix("khabar/")
    if stats.get("khabar/extract/error"):
        return "extract/error"
    if stats.get("khabar/extract/not_article"):
        return "extract/not_article"
    dedupe = [key for key in stats if key.startswith("khabar/dedupe/") and key != "khabar/dedupe/new"]
    if dedupe:
        return ", ".join(sorted(dedupe))
    if not stats.get("khabar/replay/served"):
        return "page not fetched"
    return f"no item (finish_reason {stats.get('finish_reason')})"


def crawl_page(entry: dict[str, Any], corpus: Path, work: Path) -> dict[str, Any]:
    """Replay one page through the spider and the item pipelines; the item and why not."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    snapshot = make_snapshot(entry, corpus / "pages" / f"{entry['id']}.html", work / "snapshot")
    started = time.perf_counter()
    try:
        done = subprocess.run(
            crawl_command(snapshot, origin(entry["url"]), work),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=PAGE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        done = subprocess.CompletedProcess([], -1, "", f"timed out after {PAGE_TIMEOUT} s")
    seconds = time.perf_counter() - started
    log_file = work / "crawl.log"
    log = log_file.read_text("utf-8", errors="replace") if log_file.exists() else ""
    if done.stderr.strip():
        (work / "stderr.txt").write_text(done.stderr, "utf-8")
    stats_file, feed = work / "stats.json", work / "items.jsonl"
    stats: dict[str, Any] = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    lines = feed.read_text("utf-8").splitlines() if feed.exists() else []
    items = [json.loads(line) for line in lines if line.strip()]
    result: dict[str, Any] = {"crawl_seconds": round(seconds, 2), "items": len(items), "work": str(work)}
    if done.returncode != 0 or not stats:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        result["reason"] = f"crawl failed (exit {done.returncode}): {last[:200]}"
    elif not items:
        result["reason"] = no_item_reason(stats, log)
    result["traceback"] = "Traceback" in log or "Traceback" in done.stderr
    result["item"] = items[0] if items else None
    result["stats"] = {k: v for k, v in stats.items() if k.startswith("khabar/") or k == "finish_reason"}
    return result


# --- speed --------------------------------------------------------------------------------


def speed(pages: list[tuple[str, str]], rounds: int) -> dict[str, Any]:
    """Our pure extraction and trafilatura on the same pages, in turns: each round runs every
    page through both, in an order that alternates from round to round."""
    import trafilatura

    from khabar_crawler.extract import extract_article
    from khabar_crawler.site import Site

    sites = {url: Site(origin=origin(url), base=origin(url)) for url, _ in pages}

    def ours(url: str, html: str) -> Any:
        return extract_article(html, url, sites[url])

    def theirs(url: str, html: str) -> Any:
        return trafilatura.extract(html, url=url, output_format="txt")

    extractors = {"ours": ours, "trafilatura": theirs}
    for function in extractors.values():
        function(*pages[0])  # imports and caches
    seconds = dict.fromkeys(extractors, 0.0)
    names = list(extractors)
    for turn in range(rounds):
        for name in names[turn % 2 :] + names[: turn % 2]:
            function = extractors[name]
            started = time.perf_counter()
            for url, html in pages:
                function(url, html)
            seconds[name] += time.perf_counter() - started
    count = len(pages) * rounds
    return {
        name: {"rate": round(count / seconds[name], 1), "unit": "pages/s", "count": count} for name in names
    } | {"rounds": rounds}


# --- the run ------------------------------------------------------------------------------


def run(corpus: Path | None = None, jobs: int = 2, rounds: int = 5) -> dict[str, Any]:
    import trafilatura

    from khabar_crawler.extract import decode_html, extract_article
    from khabar_crawler.site import Site

    corpus = corpus or corpus_dir()
    entries: list[dict[str, Any]] = json.loads((corpus / "corpus.json").read_text("utf-8"))
    work = WORK / "realworld"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        crawls = list(pool.map(lambda e: crawl_page(e, corpus, work / e["id"]), entries))
    crawl_seconds = time.perf_counter() - started

    pages: dict[str, Any] = {}
    texts: list[tuple[str, str]] = []
    for entry, crawl in zip(entries, crawls, strict=True):
        url = entry["url"]
        _, html = decode_html((corpus / "pages" / f"{entry['id']}.html").read_bytes(), CONTENT_TYPE)
        texts.append((url, html))
        reference = (corpus / "ref" / f"{entry['id']}.txt").read_text("utf-8")
        item = crawl["item"]
        alone = extract_article(html, url, Site(origin=origin(url), base=origin(url)))
        theirs = trafilatura.extract(html, url=url, output_format="txt") or ""
        ours_f1 = body_f1(item["body"] if item else None, reference)
        theirs_f1 = body_f1(theirs, reference)
        row: dict[str, Any] = {
            "lang": entry["lang"],
            "url": url,
            "item": item is not None,
            "reason": crawl.get("reason"),
            "body_f1": round(ours_f1, 3),
            "trafilatura_body_f1": round(theirs_f1, 3),
            "delta": round(ours_f1 - theirs_f1, 3),
            "extraction_alone_body_f1": round(body_f1(alone.body if alone else None, reference), 3),
            "crawl_seconds": crawl["crawl_seconds"],
            "items_in_feed": crawl["items"],
            "traceback_in_log": crawl["traceback"],
            "log": str(Path(crawl["work"]) / "crawl.log"),
            "stats": crawl["stats"],
            "reference": entry.get("reference", {}),
        }
        if item:
            for field in ("article_id", "title", "published_at", "authors", "language", "canonical_url"):
                row[field] = item.get(field)
            row["title_problems"] = title_problems(item.get("title"), url, html)
            row["article_id_is_year"] = is_year(item.get("article_id"))
        pages[entry["id"]] = row

    rates = speed(texts, rounds)
    results: dict[str, Any] = {
        "corpus": str(corpus),
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "trafilatura_options": TRAFILATURA_OPTIONS,
        "trafilatura": version("trafilatura"),
        "crawl_seconds": round(crawl_seconds, 1),
        "jobs": jobs,
        "pages": pages,
        "speed": rates,
    }
    results["summary"] = summary(pages)
    results["targets"] = targets(pages, results["summary"])
    return results


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def summary(pages: dict[str, Any]) -> dict[str, Any]:
    arabic = [p for p in pages.values() if p["lang"] == "ar"]
    rows = list(pages.values())
    return {
        "arabic": {
            "pages": len(arabic),
            "body_f1": _mean([p["body_f1"] for p in arabic]),
            "trafilatura_body_f1": _mean([p["trafilatura_body_f1"] for p in arabic]),
            "no_item": sum(not p["item"] for p in arabic),
        },
        "all": {
            "pages": len(rows),
            "body_f1": _mean([p["body_f1"] for p in rows]),
            "trafilatura_body_f1": _mean([p["trafilatura_body_f1"] for p in rows]),
            "no_item": sum(not p["item"] for p in rows),
        },
        "no_item": [page for page, p in pages.items() if not p["item"]],
    }


def targets(pages: dict[str, Any], totals: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets of the issue, each with whether it is met and the pages that miss it."""
    behind = [page for page, p in pages.items() if p["body_f1"] < p["trafilatura_body_f1"] - 0.02]
    years = [page for page, p in pages.items() if p.get("article_id_is_year")]
    titles = [
        f"{page} ({'; '.join(p['title_problems'])})" for page, p in pages.items() if p.get("title_problems")
    ]
    arabic = totals["arabic"]["body_f1"]
    return [
        {"target": "every page gives an item", "met": not totals["no_item"], "misses": totals["no_item"]},
        {"target": "body F1 >= trafilatura's - 0.02 on every page", "met": not behind, "misses": behind},
        {"target": "mean body F1 >= 0.95 on Arabic pages", "met": arabic >= 0.95, "misses": [str(arabic)]},
        {"target": "no year (1990..2100) as article_id", "met": not years, "misses": years},
        {
            "target": "titles without HTML entities or a site's name as suffix",
            "met": not titles,
            "misses": titles,
        },
    ]


# --- output -------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A table cell: ``&`` escaped so that an entity left in a title shows as such."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("|", "\\|").replace("\n", " ")


def table(results: dict[str, Any], command: str) -> str:
    rates = results["speed"]
    ours, theirs = rates["ours"]["rate"], rates["trafilatura"]["rate"]
    lines = [
        f"Generated by `{command}` on {results['date']}: {len(results['pages'])} pages of "
        f"`{os.path.relpath(results['corpus'], ROOT)}`, each replayed alone end to end (spider and item "
        f"pipelines, fresh SQLite database). Body F1: token multisets, NFC, `str.split()`; no "
        f"item scores 0. trafilatura {results['trafilatura']}: `{results['trafilatura_options']}`.",
        "",
        "| page | lang | body F1 | trafilatura | delta | extraction alone | item | article_id | title |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for page, p in results["pages"].items():
        item = "yes" if p["item"] else f"no: {p['reason']}"
        lines.append(
            f"| {page} | {p['lang']} | {p['body_f1']:.3f} | {p['trafilatura_body_f1']:.3f} | "
            f"{p['delta']:+.3f} | {p['extraction_alone_body_f1']:.3f} | {_cell(item)} | "
            f"{_cell(p.get('article_id'))} | {_cell(p.get('title'))} |"
        )
    for name, label in (("arabic", "mean, Arabic"), ("all", "mean, all")):
        s = results["summary"][name]
        lines.append(
            f"| **{label}** ({s['pages']} pages) | | {s['body_f1']:.3f} | {s['trafilatura_body_f1']:.3f} | "
            f"{s['body_f1'] - s['trafilatura_body_f1']:+.3f} | | {s['no_item']} without item | | |"
        )
    lines += [
        "",
        f"Extraction alone, in turns on these pages ({rates['rounds']} rounds): ours "
        f"{ours:,} pages/s, trafilatura {theirs:,} pages/s ({ours / theirs:.2f}x). "
        f'"extraction alone" is the body F1 of `extract_article` without the pipelines.',
        "",
        "| target | met | misses |",
        "|---|---|---|",
    ]
    for target in results["targets"]:
        misses = ", ".join(target["misses"]) if target["misses"] else ""
        lines.append(f"| {target['target']} | {'yes' if target['met'] else 'no'} | {_cell(misses)} |")
    return "\n".join(lines)


def write_docs(block: str, doc: Path = DOC) -> None:
    """Put ``block`` between the section's markers, adding the section before "## Search" (or
    at the end) when the document has none."""
    text = doc.read_text("utf-8")
    if BEGIN not in text or END not in text:
        section = f"{HEADING}\n\n{BEGIN}\n{END}\n\n"
        at = text.find("\n## Search")
        text = text[: at + 1] + section + text[at + 1 :] if at >= 0 else text.rstrip("\n") + "\n\n" + section
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    doc.write_text(text[:start] + "\n" + block + "\n" + text[end:], "utf-8")


def save(results: dict[str, Any]) -> Path:
    WORK.mkdir(exist_ok=True)
    raw = WORK / "realworld.json"
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), "utf-8")
    return raw


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write-docs", action="store_true", help="rewrite its section of docs/benchmarks.md")
    parser.add_argument("--jobs", type=int, default=2, help="pages crawled at once (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the speed comparison (default 5)")
    args = parser.parse_args(argv)
    corpus = corpus_dir()
    if not available(corpus):
        print(f"bench.realworld: no corpus at {corpus} (set KHABAR_REALWORLD_DIR); skipped")
        return
    started = time.perf_counter()
    results = run(corpus, jobs=args.jobs, rounds=args.rounds)
    results["seconds"] = round(time.perf_counter() - started, 1)
    print(table(results, "python -m bench.realworld"))
    raw = save(results)
    print(f"all figures: {raw.relative_to(ROOT)}; logs: {(WORK / 'realworld').relative_to(ROOT)}/<page>/")
    print(f"took {results['seconds']} s")
    if args.write_docs:
        write_docs(table(results, "python -m bench.realworld --write-docs"))


if __name__ == "__main__":
    main()
