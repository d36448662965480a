"""Our extraction beside other article extractors: speed and body F1 on the same pages.

    python -m bench.peers                  # print the tables, figures in bench/.work/peers.json
    python -m bench.peers --write          # and rewrite the peers block of docs/benchmarks.md
    python -m bench.peers --no-callgrind   # without the instruction counts (no valgrind)

Every extractor is a function from a decoded page to its body text: ours
(``extract_article(...).body``), trafilatura (``extract``, defaults and ``fast=True``),
readability-lxml (``Document(html).summary()``, its text), newspaper4k (``Article`` given the
HTML: nothing is downloaded), goose3 (``extract(raw_html=...)``, image fetching off), jusText
(the page language's stoplist, Arabic unless the page says otherwise) and Resiliparse
(``extract_plain_text(HTMLTree.parse(html), main_content=True)``). A peer that is not installed
is left out and said so (they come with the ``bench`` extra).

- **Speed**: the synthetic pages of ``bench/snapshot.py`` in one process, in turns: every
  round runs every extractor over the same pages, ten pages at a time, each ten going through
  all of them (in an order that rotates) before the next, so that a shared machine's drift
  reaches all of them alike; min/median/max of the rounds' rates.
- **Body F1**: on the fixtures against their golden body (``bench/quality.py``'s token F1),
  and on ``../shared/realworld`` when it is there, scored as ``bench/realworld.py`` scores it
  (NFC token multisets), ours by extraction alone (without the item pipelines).
- **The generic layer's price**: ours, trafilatura (both ways) and Resiliparse on template
  pages (the synthetic pages: the site profile's container is the body), on the same pages
  with the theme's container renamed (the generic layer decides) and on the real pages whose
  body the generic layer gives: pages/s in turns as above, and instructions per page counted
  by ``valgrind --tool=callgrind`` as the difference between one and three passes over a
  fixed slice, so that start-up, imports and first-call caches do not count.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.quality import SNAPSHOT as FIXTURES
from bench.quality import token_f1
from bench.realworld import CONTENT_TYPE, available, body_f1, corpus_dir, origin

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(__file__).resolve().parent / ".work"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- peers:begin -->", "<!-- peers:end -->"
HEADING = "## Peers (`python -m bench.peers`)"

#: the extractors, in table order: name -> (label, distribution whose version is shown)
EXTRACTORS: dict[str, tuple[str, str]] = {
    "ours": ("ours (`extract_article`)", "khabar-crawler"),
    "trafilatura": ("trafilatura (defaults)", "trafilatura"),
    "trafilatura_fast": ("trafilatura (`fast=True`)", "trafilatura"),
    "readability": ("readability-lxml", "readability-lxml"),
    "newspaper": ("newspaper4k", "newspaper4k"),
    "goose": ("goose3", "goose3"),
    "justext": ("jusText", "jusText"),
    "resiliparse": ("Resiliparse (`main_content=True`)", "Resiliparse"),
}
#: the extractors measured on template and generic pages (item 4 of the issue)
PRICE_EXTRACTORS = ("ours", "trafilatura", "trafilatura_fast", "resiliparse")
#: jusText's stoplist by the page's language (the corpus's ``lang``); Arabic otherwise
JUSTEXT_STOPLISTS = {
    "ar": "Arabic",
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "tr": "Turkish",
}
#: block elements whose end separates words in a readability summary's text
_BLOCKS = frozenset(
    {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "td", "th"}
    | {"blockquote", "section", "article", "pre", "figure", "figcaption", "table", "dd", "dt"}
)
#: the synthetic theme's body container; renamed, no site profile rule finds the body
_THEME_CONTAINER = re.compile(r'class="entry-content"|\s+itemprop="articleBody"')


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: str
    lang: str = "ar"
    #: ``origin`` for the site profile (the real pages are read as the site they come from)
    site_origin: str | None = None
    reference: str | None = None


Extractor = Callable[[Page], str]


# --- the extractors -----------------------------------------------------------------------


def _ours() -> Extractor:
    from khabar_crawler.extract import extract_article
    from khabar_crawler.site import Site

    sites: dict[str, Site] = {}

    def run(page: Page) -> str:
        site = None
        if page.site_origin:
            site = sites.get(page.site_origin)
            if site is None:
                site = sites[page.site_origin] = Site(origin=page.site_origin, base=page.site_origin)
        item = extract_article(page.html, page.url, site)
        return item.body if item else ""

    return run


def _trafilatura(fast: bool) -> Callable[[], Extractor]:
    def load() -> Extractor:
        trafilatura = importlib.import_module("trafilatura")

        def run(page: Page) -> str:
            text = trafilatura.extract(page.html, url=page.url, output_format="txt", fast=fast)
            return str(text or "")

        return run

    return load


def _readability() -> Extractor:
    document = importlib.import_module("readability").Document
    lxml_html = importlib.import_module("lxml.html")

    def run(page: Page) -> str:
        summary = document(page.html).summary(html_partial=True)
        if not summary.strip():
            return ""
        root = lxml_html.fromstring(summary)
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag in _BLOCKS:
                element.tail = "\n" + (element.tail or "")
        return str(root.text_content())

    return run


def _newspaper() -> Extractor:
    article = importlib.import_module("newspaper").Article

    def run(page: Page) -> str:
        found = article(page.url, fetch_images=False)
        found.download(input_html=page.html)
        found.parse()
        return str(found.text or "")

    return run


def _goose() -> Extractor:
    goose = importlib.import_module("goose3").Goose({"enable_image_fetching": False})

    def run(page: Page) -> str:
        return str(goose.extract(raw_html=page.html).cleaned_text or "")

    return run


def _justext() -> Extractor:
    justext = importlib.import_module("justext")
    stoplists: dict[str, Any] = {}

    def run(page: Page) -> str:
        language = JUSTEXT_STOPLISTS.get(page.lang, "Arabic")
        if language not in stoplists:
            stoplists[language] = justext.get_stoplist(language)
        paragraphs = justext.justext(page.html, stoplists[language])
        return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return run


def _resiliparse() -> Extractor:
    parse = importlib.import_module("resiliparse.parse.html").HTMLTree.parse
    extract_plain_text = importlib.import_module("resiliparse.extract.html2text").extract_plain_text

    def run(page: Page) -> str:
        return str(extract_plain_text(parse(page.html), main_content=True))

    return run


LOADERS: dict[str, Callable[[], Extractor]] = {
    "ours": _ours,
    "trafilatura": _trafilatura(fast=False),
    "trafilatura_fast": _trafilatura(fast=True),
    "readability": _readability,
    "newspaper": _newspaper,
    "goose": _goose,
    "justext": _justext,
    "resiliparse": _resiliparse,
}


def load(names: Iterable[str]) -> tuple[dict[str, Extractor], dict[str, str]]:
    """The extractors that import, and why the others do not."""
    loaded: dict[str, Extractor] = {}
    missing: dict[str, str] = {}
    for name in names:
        try:
            loaded[name] = LOADERS[name]()
        except Exception as error:  # an ImportError, or a peer broken on this Python
            missing[name] = f"{type(error).__name__}: {error}"
    return loaded, missing


def distribution_version(name: str) -> str:
    """The extractor's version (ours: the commit checked out)."""
    if name == "ours":
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() or "-"
    try:
        return version(EXTRACTORS[name][1])
    except PackageNotFoundError:
        return "-"


# --- the pages ----------------------------------------------------------------------------


def synthetic_pages(count: int) -> list[Page]:
    """The first ``count`` article pages of a synthetic snapshot (built once, kept in
    ``bench/.work``)."""
    from bench.measure import article_pages
    from bench.snapshot import build
    from khabar_crawler.extract import decode_html

    directory = build(max(count, 1000), WORK / f"site-{max(count, 1000)}")
    pages = []
    for url, content_type, body in article_pages(directory, count):
        _, html = decode_html(body, content_type)
        pages.append(Page(id=url.rstrip("/").rsplit("/", 2)[-2], url=url, html=html))
    return pages


def renamed(pages: Sequence[Page]) -> list[Page]:
    """The pages with the theme's body container renamed (``story-text``) and its schema.org
    ``articleBody`` dropped: the same article, a template the site profile does not know."""
    return [
        replace(page, html=_THEME_CONTAINER.sub(_rename, page.html, count=2), id=page.id + "-renamed")
        for page in pages
    ]


def _rename(match: re.Match[str]) -> str:
    return 'class="story-text"' if match.group(0).startswith("class") else ""


def fixture_pages() -> list[Page]:
    """The fixture pages with golden files, their golden body as the reference."""
    from khabar_crawler.extract import decode_html
    from khabar_crawler.snapshot.manifest import Snapshot

    snapshot = Snapshot(FIXTURES)
    pages = []
    for path in sorted((FIXTURES / "expected").glob("*.json")):
        golden = json.loads(path.read_text("utf-8"))
        saved = snapshot.get(golden["url"])
        assert saved is not None
        _, html = decode_html(saved.body(), saved.header("Content-Type"))
        pages.append(Page(id=path.stem, url=golden["url"], html=html, reference=golden["body"]))
    return pages


def realworld_pages(corpus: Path | None = None) -> list[Page]:
    """The pages of ``../shared/realworld`` (none when it is absent)."""
    from khabar_crawler.extract import decode_html

    corpus = corpus or corpus_dir()
    if not available(corpus):
        return []
    pages = []
    for entry in json.loads((corpus / "corpus.json").read_text("utf-8")):
        _, html = decode_html((corpus / "pages" / f"{entry['id']}.html").read_bytes(), CONTENT_TYPE)
        reference = (corpus / "ref" / f"{entry['id']}.txt").read_text("utf-8")
        pages.append(
            Page(
                id=entry["id"],
                url=entry["url"],
                html=html,
                lang=entry["lang"],
                site_origin=origin(entry["url"]),
                reference=reference,
            )
        )
    return pages


def body_layer(page: Page) -> str:
    """The layer our extraction takes the body from (``site``, ``microdata``, ``generic``),
    ``none`` when the page gives no article."""
    from khabar_crawler.extract import extract_article
    from khabar_crawler.site import Site

    site = Site(origin=page.site_origin, base=page.site_origin) if page.site_origin else None
    item = extract_article(page.html, page.url, site)
    return item.field_layers.get("body", "none") if item else "none"


# --- measuring ----------------------------------------------------------------------------


def safe(function: Extractor) -> Callable[[Page], tuple[str, str | None]]:
    """``function`` that returns its error instead of raising it (a peer failing on a page
    gives no text there, and the table says so)."""

    def run(page: Page) -> tuple[str, str | None]:
        try:
            return function(page), None
        except Exception as error:
            return "", f"{type(error).__name__}: {str(error)[:120]}"

    return run


def interleaved(
    extractors: dict[str, Extractor], pages: Sequence[Page], rounds: int, chunk: int = 10
) -> dict[str, Any]:
    """Every extractor over all ``pages``, ``rounds`` times, in turns: the pages are cut into
    chunks of ``chunk`` and each chunk goes through every extractor (in an order that rotates
    from chunk to chunk) before the next, so that a shared machine's drift, which moves from
    second to second, reaches all of them alike. Each extractor's rate in every round, and
    their min/median/max."""
    names = list(extractors)
    runs = {name: safe(extractors[name]) for name in names}
    for name in names:
        runs[name](pages[0])  # imports, caches
    chunks = [pages[i : i + chunk] for i in range(0, len(pages), chunk)]
    rates: dict[str, list[float]] = {name: [] for name in names}
    turn = 0
    for _ in range(rounds):
        seconds = dict.fromkeys(names, 0.0)
        for piece in chunks:
            shift = turn % len(names)
            turn += 1
            for name in names[shift:] + names[:shift]:
                run = runs[name]
                started = time.perf_counter()
                for page in piece:
                    run(page)
                seconds[name] += time.perf_counter() - started
        for name in names:
            rates[name].append(len(pages) / seconds[name])
    return {
        name: spread(values) | {"pages": len(pages), "rounds": rounds, "chunk": chunk}
        for name, values in rates.items()
    }


def spread(values: Sequence[float]) -> dict[str, Any]:
    return {
        "min": round(min(values), 1),
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
        "rates": [round(v, 1) for v in values],
    }


def quality(
    extractors: dict[str, Extractor], pages: Sequence[Page], score: Callable[[str, str], float]
) -> dict[str, Any]:
    """Each extractor's body F1 on each page (``score(text, reference)``), its text's length
    and its error if it raised."""
    results: dict[str, Any] = {}
    for name, function in extractors.items():
        run = safe(function)
        rows: dict[str, Any] = {}
        for page in pages:
            text, error = run(page)
            f1 = score(text, page.reference or "")
            rows[page.id] = {"f1": round(f1, 3), "chars": len(text), "lang": page.lang} | (
                {"error": error} if error else {}
            )
        results[name] = rows
    return results


def mean_f1(rows: dict[str, Any], lang: str | None = None) -> float | None:
    values = [row["f1"] for row in rows.values() if lang is None or row["lang"] == lang]
    return round(sum(values) / len(values), 3) if values else None


# --- instructions per page (callgrind) ----------------------------------------------------

#: the passes over the slice whose difference is counted
PASSES = (1, 3)


def page_set(kind: str, size: int) -> list[Page]:
    """The pages of one kind for the instruction counts: ``template`` (synthetic),
    ``renamed`` (the same, theme container renamed) or ``generic`` (the real pages whose body
    the generic layer gives)."""
    if kind == "template":
        return synthetic_pages(size)
    if kind == "renamed":
        return renamed(synthetic_pages(size))
    if kind == "generic":
        ids = os.environ.get("KHABAR_PEERS_IDS", "").split(",")
        chosen = [page for page in realworld_pages() if page.id in ids]
        return chosen[:size]
    raise ValueError(kind)


def run_passes(name: str, kind: str, size: int, passes: int) -> None:
    """The work callgrind counts: ``passes`` passes of extractor ``name`` over the slice."""
    pages = page_set(kind, size)
    function = LOADERS[name]()
    for _ in range(passes):
        for page in pages:
            with contextlib.suppress(Exception):  # quality() says which pages fail
                function(page)


def callgrind(name: str, kind: str, size: int, ids: Sequence[str] = ()) -> dict[str, Any]:
    """Instructions per page of extractor ``name`` on a slice of ``size`` pages of ``kind``:
    (instructions of 3 passes - instructions of 1 pass) / (2 x pages)."""
    counts = []
    for passes in PASSES:
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "callgrind.out"
            command = [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bench.peers",
                "--passes",
                f"{name}:{kind}:{size}:{passes}",
            ]
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "PYTHONHASHSEED": "0",
                "KHABAR_PEERS_IDS": ",".join(ids),
            }
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0 or not out.exists():
                raise RuntimeError(f"callgrind {name} {kind}: {done.stderr.strip()[-400:]}")
            counts.append(callgrind_total(out.read_text("utf-8", errors="replace")))
    pages = size if kind != "generic" else min(size, len(ids))
    per_page = (counts[1] - counts[0]) / ((PASSES[1] - PASSES[0]) * pages)
    return {"instructions_per_page": round(per_page), "pages": pages, "totals": counts}


def callgrind_total(text: str) -> int:
    """The instruction total of a callgrind output file (``summary:`` or ``totals:``)."""
    found = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
    if not found:
        raise ValueError("no totals in callgrind output")
    return int(found.group(1))


# --- the run ------------------------------------------------------------------------------


def run(
    count: int,
    rounds: int,
    real_rounds: int,
    instructions: bool,
    slice_size: int,
    names: Sequence[str] = tuple(EXTRACTORS),
) -> dict[str, Any]:
    extractors, missing = load(names)
    synthetic = synthetic_pages(count)
    fixtures = fixture_pages()
    real = realworld_pages()
    results: dict[str, Any] = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}",
        "versions": {name: distribution_version(name) for name in names},
        "missing": missing,
        "synthetic_pages": len(synthetic),
        "rounds": rounds,
        "realworld": str(corpus_dir()) if real else None,
        "load": [os.getloadavg()[0]],
    }
    print(
        f"speed: {len(synthetic)} synthetic pages x {rounds} rounds, {len(extractors)} extractors", flush=True
    )
    results["speed"] = interleaved(extractors, synthetic, rounds)
    results["fixtures"] = quality(extractors, fixtures, token_f1)
    if real:
        results["realworld_f1"] = quality(extractors, real, body_f1)

    # the generic layer's price
    price = {name: extractors[name] for name in PRICE_EXTRACTORS if name in extractors}
    hidden = renamed(synthetic)
    generic_real = [page for page in real if body_layer(page) == "generic"]
    kinds: dict[str, Any] = {
        "template": {"pages": synthetic, "layers": layer_counts(synthetic)},
        "renamed": {"pages": hidden, "layers": layer_counts(hidden)},
    }
    if generic_real:
        kinds["generic"] = {"pages": generic_real, "layers": layer_counts(generic_real)}
    ours_template = safe(extractors["ours"]) if "ours" in extractors else None
    if ours_template:
        # how close the generic reading of the renamed pages comes to the template's body
        scores = [
            token_f1(ours_template(b)[0], ours_template(a)[0])
            for a, b in zip(synthetic[:50], hidden[:50], strict=True)
        ]
        kinds["renamed"]["ours_f1_vs_template"] = round(sum(scores) / len(scores), 3)
    price_results: dict[str, Any] = {}
    for kind, info in kinds.items():
        pages = info.pop("pages")
        kind_rounds = real_rounds if kind == "generic" else rounds
        print(f"price: {kind}, {len(pages)} pages x {kind_rounds} rounds", flush=True)
        info["count"] = len(pages)
        info["kb_per_page"] = round(sum(len(p.html.encode()) for p in pages) / len(pages) / 1024, 1)
        # the real pages are 30 times larger: one page at a time is the same grain
        info["speed"] = interleaved(price, pages, kind_rounds, chunk=1 if kind == "generic" else 10)
        if instructions:
            ids = [p.id for p in pages] if kind == "generic" else []
            size = len(ids) if kind == "generic" else slice_size
            info["instructions"] = {}
            for name in price:
                print(f"callgrind: {name} on {kind}", flush=True)
                info["instructions"][name] = callgrind(name, kind, size, ids)
        price_results[kind] = info
    results["price"] = price_results
    results["load"].append(os.getloadavg()[0])
    return results


def layer_counts(pages: Sequence[Page]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in pages:
        layer = body_layer(page)
        counts[layer] = counts.get(layer, 0) + 1
    return counts


# --- output -------------------------------------------------------------------------------


def _f1(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _rate(speed: dict[str, Any]) -> str:
    return f"{speed['median']:,.1f} ({speed['min']:,.1f}-{speed['max']:,.1f})"


def _errors(rows: dict[str, Any]) -> int:
    return sum("error" in row for row in rows.values())


KIND_LABELS = {
    "template": "template pages (synthetic; the site profile's container)",
    "renamed": "the same pages, theme container renamed (the generic layer decides)",
    "generic": "real pages whose body the generic layer gives (`../shared/realworld`)",
}


def tables(results: dict[str, Any], command: str) -> str:
    speed, fixtures = results["speed"], results["fixtures"]
    real = results.get("realworld_f1")
    ours_rate = speed["ours"]["median"] if "ours" in speed else None
    lines = [
        f"Generated by `{command}` on {results['date']}. Machine: {results['machine']}. "
        f"Speed: {results['synthetic_pages']} synthetic article pages (`bench/snapshot.py`), one "
        f"process, all extractors in turns over the same pages (each 10 pages through all of them "
        f"before the next 10), {results['rounds']} rounds: median pages/s (min-max of the rounds); "
        f"load average {results['load'][0]:.1f} at the start, {results['load'][1]:.1f} at the end (other "
        f"work on the machine widens the spreads; the instruction counts below do not move with it). "
        f"Body F1: the fixtures' golden bodies (`bench/quality.py`: "
        f"token multisets, `str.split()`)"
        + (
            "; the real pages of `../shared/realworld` scored as `bench/realworld.py` does (NFC "
            "token multisets), ours by extraction alone (no item pipelines)."
            if real
            else "; `../shared/realworld` was absent."
        ),
        "",
        "| extractor | version | pages/s (synthetic) | vs ours | F1 fixtures | F1 real, Arabic "
        "| F1 real, all |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (label, _) in EXTRACTORS.items():
        if name not in results["versions"]:
            continue
        if name in results["missing"]:
            lines.append(f"| {label} | not run: {results['missing'][name]} | | | | | |")
            continue
        ratio = f"{speed[name]['median'] / ours_rate:.3f}x" if ours_rate else "-"
        notes = []
        for where, rows in (("fixtures", fixtures[name]), ("real pages", (real or {}).get(name, {}))):
            if _errors(rows):
                notes.append(f"{_errors(rows)} {where} raised")
        real_ar = mean_f1(real[name], "ar") if real else None
        real_all = mean_f1(real[name]) if real else None
        lines.append(
            f"| {label} | {results['versions'][name]} | {_rate(speed[name])} | {ratio} | "
            f"{_f1(mean_f1(fixtures[name]))} | {_f1(real_ar)} | {_f1(real_all)}"
            + (f" ({'; '.join(notes)})" if notes else "")
            + " |"
        )
    if real:
        names = [name for name in EXTRACTORS if name in real]
        lines += [
            "",
            "Body F1 page by page on `../shared/realworld` (ours: extraction alone):",
            "",
            "| page | lang | "
            + " | ".join(EXTRACTORS[n][0].split(" (")[0] + _variant(n) for n in names)
            + " |",
            "|---|---|" + "---|" * len(names),
        ]
        pages = list(real[names[0]])
        for page in pages:
            row = real[names[0]][page]
            lines.append(
                f"| {page} | {row['lang']} | "
                + " | ".join(
                    _f1(real[n][page]["f1"]) + ("!" if "error" in real[n][page] else "") for n in names
                )
                + " |"
            )
        lines.append("")
        lines.append("`!`: the extractor raised on that page (scored 0).")
    price = results.get("price", {})
    if price:
        names = [name for name in PRICE_EXTRACTORS if name in next(iter(price.values()))["speed"]]
        with_instructions = any("instructions" in info for info in price.values())
        lines += [
            "",
            "The generic layer's price: pages/s in turns as above (the real pages one at a time; "
            "median, min-max), and "
            + (
                "instructions per page (callgrind, the difference between 3 and 1 passes over a slice "
                "of the pages, so imports and start-up do not count)"
                if with_instructions
                else "no instruction counts (`--no-callgrind`)"
            )
            + ". Our body layer on each kind is shown as counted on the pages.",
            "",
            "| pages | KB/page | our body layer | " + " | ".join(f"{EXTRACTORS[n][0]}" for n in names) + " |",
            "|---|---|---|" + "---|" * len(names),
        ]
        for kind, info in price.items():
            layers = ", ".join(f"{layer} {count}" for layer, count in info["layers"].items())
            label = f"{KIND_LABELS[kind]}, {info['count']} pages, {info['speed'][names[0]]['rounds']} rounds"
            cells = []
            for name in names:
                cell = f"{_rate(info['speed'][name])} p/s"
                counted = info.get("instructions", {}).get(name)
                if counted:
                    cell += f"; {counted['instructions_per_page'] / 1e6:,.1f} M instr/page"
                cells.append(cell)
            lines.append(f"| {label} | {info['kb_per_page']} | {layers} | " + " | ".join(cells) + " |")
        template, hidden = price.get("template"), price.get("renamed")
        if template and hidden and "ours" in names:
            slow = template["speed"]["ours"]["median"] / hidden["speed"]["ours"]["median"]
            note = (
                f"On the same synthetic pages, ours takes {slow:.2f}x the time per page when the generic "
                f"layer decides (theme container renamed)"
            )
            if "instructions" in template and "instructions" in hidden:
                ratio = (
                    hidden["instructions"]["ours"]["instructions_per_page"]
                    / template["instructions"]["ours"]["instructions_per_page"]
                )
                note += f", {ratio:.2f}x the instructions"
            if "ours_f1_vs_template" in hidden:
                agreement = hidden["ours_f1_vs_template"]
                note += f"; its body there scores F1 {agreement:.3f} against the template's"
            lines += ["", note + "."]
    return "\n".join(lines)


def _variant(name: str) -> str:
    return " fast" if name == "trafilatura_fast" else ""


def write_docs(block: str, doc: Path = DOC) -> None:
    """Put ``block`` between the peers markers, adding the section at the end of the document
    when it has none (one read and one write: other sections are left as they are)."""
    text = doc.read_text("utf-8")
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{BEGIN}\n{END}\n"
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    doc.write_text(text[:start] + "\n" + block + "\n" + text[end:], "utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500, help="synthetic pages (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds in turns (default 3)")
    parser.add_argument(
        "--real-rounds", type=int, default=10, help="rounds over the real generic pages (default 10)"
    )
    parser.add_argument("--slice", type=int, default=20, help="synthetic pages counted by callgrind")
    parser.add_argument("--no-callgrind", action="store_true", help="no instruction counts")
    parser.add_argument("--only", default="", help="comma-separated extractors (default: all)")
    parser.add_argument("--write", action="store_true", help="rewrite the peers block of docs/benchmarks.md")
    parser.add_argument("--passes", default="", help=argparse.SUPPRESS)  # NAME:KIND:SIZE:PASSES
    args = parser.parse_args(argv)
    if args.passes:
        name, kind, size, passes = args.passes.split(":")
        run_passes(name, kind, int(size), int(passes))
        return
    names = [n for n in args.only.split(",") if n] or list(EXTRACTORS)
    instructions = not args.no_callgrind and shutil.which("valgrind") is not None
    started = time.perf_counter()
    results = run(args.count, args.rounds, args.real_rounds, instructions, args.slice, names)
    results["seconds"] = round(time.perf_counter() - started, 1)
    WORK.mkdir(exist_ok=True)
    raw = WORK / "peers.json"
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    command = "python -m bench.peers" + (" --write" if args.write else "")
    print(tables(results, command))
    print(f"all figures: {raw.relative_to(ROOT)}; took {results['seconds']} s")
    if args.write:
        write_docs(tables(results, command))


if __name__ == "__main__":
    main()
