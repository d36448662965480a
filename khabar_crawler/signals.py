"""Signals of the project.

``page_rejected(url, reason, detail)``: a fetched page could not become an item (for example,
extraction failed). The storage pipeline records it in ``rejected_pages``.

``batch_stored(items)``: the storage pipeline has finished writing these items (stored, or
recorded as rejected): the database now answers for them, and the dedupe pipeline forgets them.
"""

page_rejected = object()
batch_stored = object()
