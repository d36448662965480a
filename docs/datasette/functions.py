"""SQL functions for analysts' tools over the crawl database (run where the project is
installed): ``sqlite-utils query ... --functions docs/datasette/functions.py`` registers each.

They are :mod:`khabar_crawler.ui.functions`'s (``khabar ui`` and the Datasette plugin register
the same): ``khabar_search_form(text)``, ``khabar_index_words(text)``,
``khabar_fts_match(query)`` and ``khabar_url(url)``.
"""

from khabar_crawler.ui.functions import khabar_fts_match, khabar_index_words, khabar_search_form, khabar_url

__all__ = ["khabar_fts_match", "khabar_index_words", "khabar_search_form", "khabar_url"]
