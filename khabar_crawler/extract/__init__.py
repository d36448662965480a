"""Pure extraction functions: HTML in, article fields out.

``extract_article`` (in :mod:`.article`) assembles an item field by field from three layers,
each field falling back on its own: JSON-LD (:mod:`.jsonld`), then OpenGraph and ``article:*``
metas (:mod:`.meta`), then the visible markup (:mod:`.markup`).
"""

from khabar_crawler.extract.article import extract_article, is_article_page
from khabar_crawler.extract.encoding import decode_html
from khabar_crawler.extract.page import Page

__all__ = ["Page", "decode_html", "extract_article", "is_article_page"]
