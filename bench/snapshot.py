"""Synthetic snapshots of the site: N article pages from the fixture template, plus listing
pages and sitemaps that reach them all, in the manifest format. Deterministic from a seed.

    python -m bench.snapshot --articles 10000 --out bench/.work/site-10000

Articles vary in length (2-6 sections), tags (1-4), images (0-2, hero and lazy inline),
see-also links (0-3) and related cards (4); one page in ten is windows-1256.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path
from typing import Any

from bench.synthetic import Corpus, SyntheticArticle
from fixtures.generate import HTML, Snapshot, article_page, listing_page, load_site, robots_txt, urlset

LISTING_SIZE = 50
#: bump when the pages change, so that saved snapshots are rebuilt
GENERATOR_VERSION = "2"


def article_source(article: SyntheticArticle, corpus: Corpus, count: int) -> dict[str, Any]:
    """The generator's article record (the shape of fixtures/source/articles/*.json); its
    see-also and related links point to other articles of the ``count`` in the snapshot."""
    rng = random.Random(corpus.seed * 7 + article.number)
    blocks: list[dict[str, Any]] = []
    for index, (heading, paragraph) in enumerate(zip(article.headings, article.paragraphs, strict=True)):
        blocks.append({"type": "h2", "text": heading})
        if index and rng.random() < 0.4:
            other = rng.randrange(count)
            blocks.append(
                {
                    "type": "see_also",
                    "title": corpus._sentence(rng, 5, 9),
                    "href": f"/news/{100000 + other}/synthetic-{other}/",
                }
            )
        blocks.append({"type": "p", "text": paragraph})
        if index == 1 and rng.random() < 0.3:
            blocks.append(
                {
                    "type": "image",
                    "alt": corpus._sentence(rng, 6, 12),
                    "caption": corpus._sentence(rng, 6, 12) + " [رويترز]",
                    "src": f"/wp-content/uploads/synthetic/{article.number}-inline.jpg",
                }
            )
    hero = None
    if rng.random() < 0.6:
        hero = {
            "src": f"https://khabarayn.com/wp-content/uploads/synthetic/{article.number}.jpg",
            "alt": corpus._sentence(rng, 6, 12),
            "caption": corpus._sentence(rng, 6, 12) + " [أسوشيتد برس]",
        }
    related = []
    for _ in range(4):
        other = rng.randrange(count)
        related.append(
            {
                "alt": corpus._sentence(rng, 6, 10),
                "title": corpus._sentence(rng, 5, 9),
                "teaser": corpus._sentence(rng, 15, 25),
                "category": article.category,
                "href": f"/news/{100000 + other}/synthetic-{other}/?utm_source=related",
                "image": f"/wp-content/uploads/thumbs/{other}.jpg",
            }
        )
    return {
        "id": article.article_id,
        "slug": f"synthetic-{article.number}",
        "title": article.title,
        "lede": article.summary + " " + " ".join("#" + t.replace(" ", "_") for t in article.tags),
        "category": article.category,
        "category_slug": "synthetic",
        "tags": list(article.tags),
        "published": article.published_at.isoformat(),
        "modified": article.published_at.isoformat(),
        "hero": hero,
        "blocks": blocks,
        "related": related,
    }


def build(count: int, out: Path, seed: int = 2024) -> Path:
    """Write a snapshot of ``count`` articles to ``out`` (kept if already complete)."""
    stamp = out / "generator-version"
    if (out / "manifest.json").exists() and stamp.exists() and stamp.read_text() == GENERATOR_VERSION:
        return out
    if out.exists():
        shutil.rmtree(out)
    site = load_site()
    corpus = Corpus(seed)
    snap = Snapshot(site["origin"])
    origin = site["origin"]
    urls = []
    (out / "pages").mkdir(parents=True, exist_ok=True)
    for article in corpus.articles(count):
        record = article_source(article, corpus, count)
        charset = "windows-1256" if article.number % 10 == 9 else "utf-8"
        name = f"a{article.number}.html"
        (out / "pages" / name).write_bytes(article_page(record, site, charset=charset))
        path = f"/news/{record['id']}/{record['slug']}/"
        urls.append((origin + path, record["modified"]))
        snap.manifest.append(
            {
                "url": origin + path,
                "status": 200,
                "file": f"pages/{name}",
                "headers": {"Content-Type": HTML if charset == "utf-8" else "text/html"},
            }
        )
    snap.add("/robots.txt", "robots.txt", robots_txt(site), "text/plain; charset=UTF-8")
    snap.add(
        "/sitemap_index.xml", "sitemap_index.xml", urlset(urls[:1]), "application/xml"
    )  # a stand-in index
    snap.add("/post-sitemap.xml", "post-sitemap.xml", urlset(urls), "application/xml; charset=UTF-8")
    snap.add("/news-sitemap.xml", "news-sitemap.xml", urlset(urls[-1000:]), "application/xml; charset=UTF-8")
    snap.add("/feed/", "feed.xml", b"<rss version='2.0'><channel></channel></rss>", "application/rss+xml")
    for page, start in enumerate(range(0, count, LISTING_SIZE), start=1):
        path = "/" if page == 1 else f"/page/{page}/"
        cards = [
            {
                "href": url[len(origin) :],
                "title": "خبر",
                "teaser": "",
                "category": "",
                "image": "/t.jpg",
                "alt": "",
            }
            for url, _ in urls[start : start + LISTING_SIZE]
        ]
        next_url = f"{origin}/page/{page + 1}/" if start + LISTING_SIZE < count else None
        snap.add(
            path,
            f"listing-{page}.html",
            listing_page(
                site,
                title="الأخبار",
                description="",
                heading="الأخبار",
                canonical=origin + path,
                cards=cards,
                body_class="home blog",
                next_url=next_url,
            ),
            HTML,
        )
    for name, body in snap.pages.items():
        (out / "pages" / name).write_bytes(body)
    (out / "manifest.json").write_text(json.dumps(snap.manifest, ensure_ascii=False), "utf-8")
    stamp.write_text(GENERATOR_VERSION)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(build(args.articles, args.out))


if __name__ == "__main__":
    main()
