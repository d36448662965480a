"""The read side, without Scrapy: search, reports, export and the ``khabar`` CLI."""
