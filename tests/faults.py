"""Fault injection for tests against real servers on loopback: a TCP proxy that forwards,
then freezes (stops forwarding, connections left open: a stalled server or network) or cuts
(closes every connection and refuses new ones: a server gone), and is restored (the proxy
is bench/tcp_proxy.py, shared with ``python -m bench.faults``).

    def test_something(pg_proxy: TcpProxy, postgres_url: str) -> None:
        url = pg_proxy.url_for(postgres_url)   # the same database, through the proxy
        ...
        pg_proxy.freeze()

The ``pg_proxy`` fixture stands in front of the test PostgreSQL; a test module imports it
(``from tests.faults import pg_proxy  # noqa: F401``) until tests/conftest.py does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bench.tcp_proxy import TcpProxy
from tests.helpers import POSTGRES_URL


@pytest.fixture
def pg_proxy() -> Iterator[TcpProxy]:
    """A :class:`TcpProxy` in front of the test PostgreSQL server (use with ``postgres_url``,
    which skips or fails when the server is absent)."""
    target = make_url(POSTGRES_URL)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    yield proxy
    proxy.close()
