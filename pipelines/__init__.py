"""Item pipelines (clean, validate, dedupe, store), one class per module, ordered in
``khabar_crawler.settings.ITEM_PIPELINES``."""
