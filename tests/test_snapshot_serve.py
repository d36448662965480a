"""The documented mirror command: ``python -m khabar_crawler.serve DIR --port N``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from urllib.error import URLError

import pytest

from khabar_crawler.snapshot.manifest import Snapshot
from tests.helpers import ROOT, SNAPSHOT, golden

pytestmark = pytest.mark.e2e  # starts crawl processes or servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str, timeout: float = 20.0) -> bytes:
    """The body at ``url``, asked again until the server listens or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                body: bytes = answer.read()
                return body
        except URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def mirror() -> Iterator[str]:
    """The command started on a free port of 127.0.0.1, stopped at the end; its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "khabar_crawler.serve", str(SNAPSHOT), "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait(timeout=10)


def test_the_mirror_command_serves_a_saved_page(mirror: str) -> None:
    url = golden("52306")["url"]
    saved = Snapshot(SNAPSHOT).get(url)
    assert saved is not None
    assert fetch(mirror + url.removeprefix("https://khabarayn.com")) == saved.body()
