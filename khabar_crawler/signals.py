"""Signals of the project.

``page_rejected(url, reason, detail)``: a fetched page could not become an item (for example,
extraction failed). The storage pipeline records it in ``rejected_pages``.
"""

page_rejected = object()
