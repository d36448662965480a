"""khabar_crawler: crawling and ingestion pipeline for the Arabic news site خبرين (khabarayn)."""

__version__ = "0.1.0"
