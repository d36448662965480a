"""``khabar ui``: the crawl database in Datasette, with the project's own plugin and metadata.

One job a module:

- :mod:`.command`: the click command ``khabar ui`` (checks the URL and the schema, then serves);
- :mod:`.server`: a Datasette instance over one SQLite file, served by uvicorn;
- :mod:`.metadata` and :mod:`.queries`: the metadata (tables, facets, canned queries);
- :mod:`.plugin`: the Datasette hooks (loaded from :data:`.server.PLUGINS_DIR`);
- :mod:`.functions`: SQL functions (search forms, the FTS5 match of a query, readable URLs);
- :mod:`.rewrite`: the search box and the hidden columns of ``articles`` (query strings);
- :mod:`.tags`: the tag facet and the ``_tag=`` filter of ``articles``;
- :mod:`.pages`: the search form, the article pages and the chart (HTML routes);
- :mod:`.store`: what those pages read (the project's search, articles, daily counts);
- :mod:`.chart`: the articles-per-day chart as inline SVG;
- :mod:`.templates`: the pages' HTML (right to left, Arabic).

Everything but :mod:`.command` imports Datasette, an optional extra (``pip install -e '.[ui]'``).
"""
