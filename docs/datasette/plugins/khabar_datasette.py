"""The project's Datasette plugin for plain Datasette (``datasette data/khabar.db --metadata
docs/datasette/metadata.json --plugins-dir docs/datasette/plugins``): the hooks of
:mod:`khabar_crawler.ui.plugin`, which ``khabar ui`` loads too (search box normalised,
internal columns hidden, URLs decoded, the tag facet, the search form, article pages, the
chart)."""

from khabar_crawler.ui.plugin import (
    asgi_wrapper,
    filters_from_request,
    prepare_connection,
    register_facet_classes,
    register_routes,
    render_cell,
)

__all__ = [
    "asgi_wrapper",
    "filters_from_request",
    "prepare_connection",
    "register_facet_classes",
    "register_routes",
    "render_cell",
]
