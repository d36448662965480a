"""Downloader middlewares: offline replay of saved snapshots and recording of live crawls."""
