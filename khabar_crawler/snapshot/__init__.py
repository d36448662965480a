"""Saved copies of the site: the manifest format, replay and record middlewares, the local
mirror server."""
