"""Saved copies of the site: the manifest format and its reader (manifest), the recording's
journal and its fold (writer), replay and record middlewares, the local mirror server."""
