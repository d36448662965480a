"""Pure extraction functions: HTML in, article fields out.

``extract_article`` (in :mod:`.article`) assembles an item field by field from layers, each
field falling back on its own: JSON-LD (:mod:`.jsonld`), microdata (:mod:`.microdata`),
OpenGraph and ``article:*`` metas (:mod:`.meta`), the site profile's markup rules
(:mod:`.markup`), then the generic reading of the page (:mod:`.visible` for dates, bylines and
language; :mod:`.generic` and :mod:`.body` for the article text). ``classify`` says whether a
page is an article; :mod:`.encoding` decodes page bytes as browsers do.
"""

from khabar_crawler.extract.article import extract_article
from khabar_crawler.extract.classify import classify, is_article_page
from khabar_crawler.extract.encoding import decode_html, decode_page
from khabar_crawler.extract.page import Page

__all__ = ["Page", "classify", "decode_html", "decode_page", "extract_article", "is_article_page"]
