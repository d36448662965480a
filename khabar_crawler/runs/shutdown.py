"""A crawl stops within ``KHABAR_SHUTDOWN_TIMEOUT`` seconds of SIGTERM or SIGINT, even while
its reactor thread hangs in a database call.

Why: Python runs a signal handler on the main thread only, between two bytecodes. Scrapy's
shutdown handlers are such handlers, and the main thread is the reactor's: while it waits in
psycopg for a PostgreSQL server that stopped answering (up to the statement timeout, or for
ever when the network swallows the packets), SIGTERM does nothing, and systemd ends up
sending SIGKILL. No Python handler, nor a timer that such a handler starts, can help.

How: :meth:`ShutdownWatcher.start`, on the main thread before any other thread exists (the
reactor's thread pool, asyncio's executor and the database start theirs later and inherit
the mask), blocks SIGTERM and SIGINT in the main thread with ``pthread_sigmask``: the kernel
then interrupts no thread with them, and a watcher thread takes them with ``sigwait``:

- the first signal logs Scrapy's own line ("Received SIGTERM, shutting down gracefully. Send
  again to force") and asks the reactor (``callFromThread``) for Scrapy's graceful stop,
  through the crawler process's public ``stop()``: close reason ``shutdown``, the store
  writes its last batch, the run row is ``interrupted``, exit status 0 — as soon as the
  reactor thread is free to do it;
- a second signal, or none but a process still alive ``timeout`` seconds after the first,
  ends the process at once: one ``ERROR`` line (no traceback), the logging handlers flushed,
  ``os._exit`` with :data:`FORCED_EXIT_STATUS`. The run row is left ``running``; the next
  run of the host marks it ``killed`` (:func:`khabar_crawler.runs.record.close_dead_runs`).

Ctrl-C in a terminal is the same SIGINT: once to stop gracefully, twice to stop at once.
Scrapy still installs its Python handlers; with the signals blocked they are never called.
Child processes would inherit the blocked mask (the crawl starts none).

Where ``pthread_sigmask`` or ``sigtimedwait`` is missing (Windows), :func:`supported` is
false and nothing is installed: Scrapy's handlers work as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: the exit status of a forced stop (as of a crawl that could not start; 0 is a good or a
#: gracefully stopped run, 3 a failed one)
FORCED_EXIT_STATUS = 1
#: seconds from the first signal to a forced stop, unless ``KHABAR_SHUTDOWN_TIMEOUT`` says
DEFAULT_TIMEOUT = 30.0
#: the signals that stop a crawl
SIGNALS: frozenset[signal.Signals] = frozenset({signal.SIGINT, signal.SIGTERM})
#: the longest wait for the logging handlers before a forced exit (one may be stuck)
_REPORT_WAIT = 2.0


def supported() -> bool:
    """Whether this platform can take signals on a thread of its own (POSIX)."""
    needed = ("pthread_sigmask", "pthread_kill", "sigwait", "sigtimedwait")
    return all(hasattr(signal, name) for name in needed)


def shutdown_timeout(settings: BaseSettings) -> float:
    """``KHABAR_SHUTDOWN_TIMEOUT``: seconds from the first signal to a forced stop."""
    return settings.getfloat("KHABAR_SHUTDOWN_TIMEOUT", DEFAULT_TIMEOUT)


def graceful_stop(crawler_process: Any) -> Callable[[], None]:
    """Scrapy's graceful stop of ``crawler_process`` (a ``CrawlerProcess`` or an
    ``AsyncCrawlerProcess``), to be called on the reactor thread: every crawler stops (close
    reason ``shutdown``), then the reactor."""

    def stop() -> None:
        from scrapy.utils.defer import deferred_from_coro

        def stop_reactor(result: object) -> None:
            with contextlib.suppress(RuntimeError):  # already stopped, or stopping
                the_reactor().stop()

        deferred_from_coro(crawler_process.stop()).addBoth(stop_reactor)

    return stop


def call_in_reactor(function: Callable[[], None]) -> None:
    """Call ``function`` on the reactor thread, as soon as the reactor is free."""
    the_reactor().callFromThread(function)


def the_reactor() -> Any:
    """The installed Twisted reactor (imported late: importing it installs the default one)."""
    from twisted.internet import reactor

    return reactor


class ShutdownWatcher:
    """Takes SIGTERM and SIGINT on a thread of its own: the first calls ``stop`` on the
    reactor thread, a second one, or ``timeout`` seconds without an exit, ends the process."""

    def __init__(
        self,
        stop: Callable[[], None],
        timeout: float,
        call: Callable[[Callable[[], None]], None] = call_in_reactor,
    ) -> None:
        self.stop = stop
        self.timeout = timeout
        self.call = call
        self.lock = threading.Lock()
        self.closing = False
        self.signalled = False
        self.thread = threading.Thread(target=self.watch, name="khabar-shutdown", daemon=True)
        self.previous_mask: set[int | signal.Signals] = set()

    def start(self) -> None:
        """Block the signals on this (the main) thread, and start watching."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the shutdown watcher is started from the main thread")
        self.previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        self.thread.start()

    def close(self) -> None:
        """Stop watching and unblock the signals, unless a signal came: the process is then
        stopping, and the deadline holds until it has exited."""
        with self.lock:
            if self.signalled:
                return
            self.closing = True
        if self.thread.ident is not None:
            signal.pthread_kill(self.thread.ident, signal.SIGTERM)  # wakes the watcher up
            self.thread.join()
        signal.pthread_sigmask(signal.SIG_SETMASK, self.previous_mask)

    def watch(self) -> None:
        first = signal.sigwait(SIGNALS)
        with self.lock:
            if self.closing:
                return
            self.signalled = True
        name = signal.Signals(first).name
        logger.info("Received %(signame)s, shutting down gracefully. Send again to force ", {"signame": name})
        try:
            self.call(self.stop)
        except Exception as error:  # a reactor (its event loop) already closed: the deadline holds
            logger.debug("Could not ask the reactor to stop: %s", error)
        second = signal.sigtimedwait(SIGNALS, self.timeout)
        if second is None:
            force_exit(
                "Forced stop: the crawl did not stop within %s s of %s (blocked in a database call?); "
                "exiting with status %d",
                f"{self.timeout:g}",
                name,
                FORCED_EXIT_STATUS,
            )
        force_exit(
            "Forced stop: received %s again before the crawl stopped; exiting with status %d",
            signal.Signals(second.si_signo).name,
            FORCED_EXIT_STATUS,
        )


def flush_logging() -> None:
    """Flush every logging handler and the standard streams."""
    loggers = [logging.getLogger(), *list(logging.Logger.manager.loggerDict.values())]
    for each in loggers:
        for handler in getattr(each, "handlers", []):
            with contextlib.suppress(Exception):
                handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def force_exit(message: str, *args: object) -> NoReturn:
    """Log ``message`` as an ERROR, flush the logs and end the process at once. The logging
    is done on a thread of its own, waited for :data:`_REPORT_WAIT` seconds at most: a
    handler whose lock a hung thread holds cannot keep the process alive."""

    def report() -> None:
        with contextlib.suppress(Exception):  # no traceback: the line is all there is to say
            logger.error(message, *args)
            flush_logging()

    reporter = threading.Thread(target=report, name="khabar-forced-stop", daemon=True)
    reporter.start()
    reporter.join(_REPORT_WAIT)
    os._exit(FORCED_EXIT_STATUS)


def install(crawler_process: Any, settings: BaseSettings) -> ShutdownWatcher | None:
    """Start a :class:`ShutdownWatcher` for ``crawler_process`` with the settings' timeout,
    on a platform that :func:`supported`; ``None`` elsewhere (Scrapy's handlers then act)."""
    if not supported():
        return None
    watcher = ShutdownWatcher(graceful_stop(crawler_process), shutdown_timeout(settings))
    watcher.start()
    return watcher
