"""Fault injection on loopback: a TCP proxy that forwards, then freezes (stops forwarding,
connections left open: a stalled server or network) or cuts (closes every connection and
refuses new ones: a server gone), and is restored. Used by the fault tests (``tests/faults.py``
puts one in front of the test PostgreSQL) and by ``python -m bench.faults``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

from sqlalchemy.engine import make_url


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target``, one pair of sockets a connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.refusing = False
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.accepter = threading.Thread(target=self.accept_loop, daemon=True)
        self.accepter.start()

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def freeze(self) -> None:
        """Stop forwarding in both directions; every connection stays open, new ones are accepted."""
        self.flowing.clear()

    def cut(self) -> None:
        """Close every connection and refuse (accept and close) new ones."""
        with self.lock:
            self.refusing = True
            connections, self.connections = self.connections, []
        for connection in connections:
            close(connection)

    def restore(self) -> None:
        """Forward again (connections cut stay closed)."""
        with self.lock:
            self.refusing = False
        self.flowing.set()

    def close(self) -> None:
        self.stopped.set()
        self.cut()
        close(self.listener)
        self.flowing.set()
        self.accepter.join(timeout=5)

    def accept_loop(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                refusing = self.refusing
            if refusing:
                close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                close(client)
                continue
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self.pump, args=(client, upstream), daemon=True).start()

    def pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Relay both ways while flowing; while frozen, read nothing and write nothing."""
        peers = {client: upstream, upstream: client}
        try:
            while not self.stopped.is_set():
                if not self.flowing.wait(timeout=0.1):
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for source in readable:
                    if not self.flowing.is_set():
                        break
                    data = source.recv(65536)
                    if not data:
                        return
                    peers[source].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            close(client)
            close(upstream)


def close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()
