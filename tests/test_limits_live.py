"""The limits against a real server on loopback: a disallow-all robots.txt is obeyed by every
request; a 503 with Retry-After is retried after it, or given up for the run when it is too long."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import crawl_process, start_crawl

pytestmark = pytest.mark.e2e  # starts crawl processes and servers

#: a local server needs no politeness delays
LOCAL = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0"}
HTML = b"<html><body><a href='/news/1/'>1</a> <a href='/news/2/'>2</a></body></html>"

#: an answer: status, headers, body
Answer = tuple[int, dict[str, str], bytes]


class Site(ThreadingHTTPServer):
    """A site whose every answer is decided by ``answer(path)``; it notes each request."""

    daemon_threads = True

    def __init__(self, answer: Callable[[str], Answer]) -> None:
        self.answer = answer
        self.requests: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path in self.requests]

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [when for when, seen in self.requests if seen == path]


class Handler(BaseHTTPRequestHandler):
    server: Site
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests.append((time.monotonic(), self.path))
        status, headers, body = self.server.answer(self.path)
        self.send_response(status)
        for name, value in {"Content-Type": "text/html", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server API)
        pass


def crawl(tmp_path: Path, answer: Callable[[str], Answer], **settings: str) -> tuple[Site, dict[str, Any]]:
    """A live crawl of a site answering ``answer``; the site (with its request log) and the
    crawl's final stats. The exit status is not this test's concern."""
    site = Site(answer)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        crawl_process(
            tmp_path, settings={"KHABARAYN_BASE_URL": site.base_url, **LOCAL, **settings}, timeout=120
        )
    finally:
        site.shutdown()
        site.server_close()
    stats: dict[str, Any] = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    return site, stats


def disallow_all(path: str) -> Answer:
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /\n"
    return 200, {}, HTML


def unavailable(retry_after: str) -> Callable[[str], Answer]:
    """Every page but robots.txt (absent: everything allowed) is a 503 with that Retry-After."""

    def answer(path: str) -> Answer:
        if path == "/robots.txt":
            return 404, {}, b""
        return 503, {"Retry-After": retry_after}, b"busy"

    return answer


@pytest.fixture(scope="module")
def robots_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, dict[str, Any]]:
    return crawl(tmp_path_factory.mktemp("robots"), disallow_all)


def test_a_disallow_all_robots_txt_lets_nothing_else_be_fetched(
    robots_crawl: tuple[Site, dict[str, Any]],
) -> None:
    site, _ = robots_crawl
    assert set(site.paths()) == {"/robots.txt"}


def test_the_refused_requests_are_counted(robots_crawl: tuple[Site, dict[str, Any]]) -> None:
    _, stats = robots_crawl
    assert stats["robotstxt/forbidden"] >= 3  # at least the sitemaps, the feed and the home page


@pytest.fixture(scope="module")
def long_retry_after(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, dict[str, Any]]:
    return crawl(tmp_path_factory.mktemp("long"), unavailable("3600"))


def test_a_retry_after_over_the_cap_is_not_retried(long_retry_after: tuple[Site, dict[str, Any]]) -> None:
    site, _ = long_retry_after
    assert site.paths().count("/feed/") == 1


def test_a_retry_after_over_the_cap_is_counted(long_retry_after: tuple[Site, dict[str, Any]]) -> None:
    site, stats = long_retry_after
    assert stats["khabar/retry/after_too_long"] == len([p for p in site.paths() if p != "/robots.txt"])


@pytest.fixture(scope="module")
def short_retry_after(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, dict[str, Any]]:
    return crawl(tmp_path_factory.mktemp("short"), unavailable("1"), RETRY_TIMES="1")


def test_a_retry_after_under_the_cap_is_waited_for(short_retry_after: tuple[Site, dict[str, Any]]) -> None:
    site, _ = short_retry_after
    first, second = site.times("/feed/")
    assert second - first >= 1.0


def test_a_wait_does_not_hold_the_other_requests_back(
    short_retry_after: tuple[Site, dict[str, Any]],
) -> None:
    """The first asks for every start page arrive before any retry: nothing waits on a sleep."""
    site, _ = short_retry_after
    first_feed = site.times("/feed/")[0]
    assert site.times("/")[0] - first_feed < 1.0


def test_a_stop_does_not_wait_for_a_retry_after(tmp_path: Path) -> None:
    """SIGTERM while requests wait out a 30 s Retry-After: the crawl ends within seconds."""
    site = Site(unavailable("30"))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    settings = {"KHABARAYN_BASE_URL": site.base_url, **LOCAL}
    crawl = start_crawl(tmp_path, settings=settings, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while "/feed/" not in site.paths() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the 503 answered, its retry waiting
        crawl.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        crawl.wait(timeout=60)
    finally:
        crawl.kill()
        site.shutdown()
        site.server_close()
    assert time.monotonic() - stopped < 10
