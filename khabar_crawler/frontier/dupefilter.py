"""The duplicate filter: Scrapy's, made safe for runs killed with a persistent JOBDIR.

With ``JOBDIR``, Scrapy keeps the fingerprints of the requests it has seen; after a SIGKILL
they also cover pages whose items were never stored (still in the store's batch), and a
resumed run would skip them for good. A marker file in the job directory says a run is in
progress; found at start-up (the last run did not close), the saved fingerprints are dropped,
so the resumed run rediscovers everything once. The database stays the source of truth: the
incremental middleware skips what is stored and fresh, and the store never duplicates.
A paused run (Ctrl-C, SIGTERM) closes cleanly and resumes with its fingerprints.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import RequestFingerprinterProtocol

logger = logging.getLogger(__name__)
MARKER = "khabar-run-in-progress"


class RecoveringDupeFilter(RFPDupeFilter):
    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        self.job_path = Path(path) if path else None
        self.recovered = False
        if self.job_path is not None:
            marker, seen = self.job_path / MARKER, self.job_path / "requests.seen"
            if marker.exists() and seen.exists():
                seen.unlink()
                self.recovered = True
                logger.warning(
                    "The last run of job %s did not close (killed?): its seen requests are dropped "
                    "and everything is rediscovered once",
                    self.job_path,
                )
            self.job_path.mkdir(parents=True, exist_ok=True)
            marker.write_text(str(os.getpid()))
        super().__init__(path, debug, fingerprinter=fingerprinter)

    def has_seen(self, fingerprint: bytes) -> bool:
        """Whether a request with this fingerprint was seen, without recording it (lets the
        spider skip building requests the filter would drop)."""
        return fingerprint in self._fingerprints

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.job_path is not None:
            (self.job_path / MARKER).unlink(missing_ok=True)
