"""Pages that answer 200 but carry no content: bot challenges and empty JavaScript shells."""

from __future__ import annotations

from lxml import etree

from khabar_crawler.extract.page import parse_html
from khabar_crawler.extract.text import node_text
from khabar_crawler.extract.xpath import xpath

#: Marks of anti-bot interstitials (Cloudflare, captcha walls, "checking your browser" pages).
CHALLENGE_MARKERS = (
    "cf-chl",
    "cf_chl_opt",
    "challenge-platform",
    "/cdn-cgi/challenge",
    "just a moment...",
    "attention required! | cloudflare",
    "checking your browser",
    "ddos protection by",
    "g-recaptcha",
    "h-captcha",
    "captcha-delivery",
    "please enable javascript and cookies to continue",
)
#: Below this much visible text, a page without an h1 or an article element is an empty shell.
EMPTY_SHELL_CHARS = 200


def page_problem(html: str, root: etree._Element | None = None) -> str | None:
    """``"bot_challenge"``, ``"empty_shell"``, or None for a page with content; ``root``, the
    page already parsed, saves parsing it again."""
    head = html[:50_000].lower()
    if any(marker in head for marker in CHALLENGE_MARKERS):
        return "bot_challenge"
    if root is None:
        root = parse_html(html)
    if xpath(root, "//h1 | //article"):
        return None
    body = root.find("body")
    text = node_text(body) if body is not None else ""
    return "empty_shell" if len(text) < EMPTY_SHELL_CHARS else None
