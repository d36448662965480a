"""``python -m khabar_crawler.serve DIR --port 8000``: serve a snapshot as a local mirror
(the documented command; the server lives in :mod:`khabar_crawler.snapshot.serve`)."""

from khabar_crawler.snapshot.serve import main

if __name__ == "__main__":
    main()
