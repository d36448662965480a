"""The Datasette plugin of the crawl database, for ``--plugins-dir`` (``khabar ui`` passes
this directory): its hooks are :mod:`khabar_crawler.ui.plugin`'s."""

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
