"""Serve a saved snapshot over HTTP, as a local mirror of the site.

    python -m khabar_crawler.serve fixtures/khabarayn --port 8000
    scrapy crawl khabarayn -s KHABARAYN_BASE_URL=http://127.0.0.1:8000

A request for ``/path?query`` answers with the snapshot's entry for ``<origin>/path?query``
(status, headers and body as saved); redirects to the site are rewritten to the mirror.
Pages get an ETag (a hash of the body) unless one was saved, and conditional requests are
answered 304 when nothing changed. Unknown URLs answer 404. Used by the live-mode tests; binds to
loopback by default.
"""

from __future__ import annotations

import argparse
import hashlib
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from khabar_crawler.site import DEFAULT_SITE_URL
from khabar_crawler.snapshot.manifest import Snapshot
from khabar_crawler.urls import same_origin


class SnapshotServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, snapshot: Snapshot, origin: str, address: tuple[str, int]) -> None:
        self.snapshot = snapshot
        self.origin = origin.rstrip("/")
        super().__init__(address, SnapshotHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="snapshot-server", daemon=True)
        thread.start()
        return thread


class SnapshotHandler(BaseHTTPRequestHandler):
    server: SnapshotServer
    protocol_version = "HTTP/1.1"

    def _answer(self, with_body: bool) -> None:
        saved = self.server.snapshot.get(self.server.origin + self.path)
        if saved is None:
            body = b"not in the snapshot\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)
            return
        body = saved.body()
        headers = dict(saved.headers)
        if saved.status == 200 and not any(name.lower() == "etag" for name in headers):
            headers["ETag"] = ['"' + hashlib.sha1(body).hexdigest()[:20] + '"']
        if saved.status == 200 and self._not_modified(headers):
            self.send_response(304)
            for name in ("ETag", "Last-Modified"):
                for value in headers.get(name, []):
                    self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(saved.status)
        for name, values in headers.items():
            for value in values:
                if name.lower() == "location" and same_origin(value, self.server.origin):
                    value = self.server.base_url + value[len(self.server.origin) :]
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _not_modified(self, headers: dict[str, list[str]]) -> bool:
        """Conditional requests: If-None-Match against the ETag, else If-Modified-Since."""
        etag = next(iter(headers.get("ETag", [])), None)
        wanted = self.headers.get("If-None-Match")
        if wanted is not None:
            return etag is not None and etag in [tag.strip() for tag in wanted.split(",")]
        since, modified = (
            self.headers.get("If-Modified-Since"),
            next(iter(headers.get("Last-Modified", [])), None),
        )
        if since and modified:
            try:
                return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server API)
        pass


def serve(
    directory: str, host: str = "127.0.0.1", port: int = 0, origin: str = DEFAULT_SITE_URL
) -> SnapshotServer:
    """A started server for ``directory``; ``port=0`` picks a free port (see ``base_url``)."""
    server = SnapshotServer(Snapshot(directory), origin, (host, port))
    server.start()
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--origin", default=DEFAULT_SITE_URL, help="the site the snapshot was saved from")
    args = parser.parse_args(argv)
    server = SnapshotServer(Snapshot(args.directory), args.origin, (args.host, args.port))
    print(f"serving {args.directory} as {args.origin} on {server.base_url} (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
