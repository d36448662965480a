"""Scrapy settings of khabar_crawler.

The flow of an item: the ``khabarayn`` spider (discovery + extraction) -> ITEM_PIPELINES
(clean -> validate -> dedupe -> store, in that order). Offline replay and
recording are downloader middlewares switched on by ``-a replay=DIR`` / ``-a record=DIR``
(or the KHABAR_REPLAY_DIR / KHABAR_RECORD_DIR settings).
"""

from khabar_crawler import items as _items

BOT_NAME = "khabar_crawler"
SPIDER_MODULES = ["khabar_crawler.spiders"]
NEWSPIDER_MODULE = "khabar_crawler.spiders"

# --- the site --------------------------------------------------------------------------
# Public origin of the site: every URL in an item is on it.
KHABARAYN_SITE_URL = "https://khabarayn.com"
# Where pages are fetched from (a mirror or local server); defaults to the site URL.
KHABARAYN_BASE_URL = None
# The publisher's name: sign-offs are stripped by it, and it is the author of last resort.
KHABARAYN_SITE_NAME = "خَبَرَيْن"

# --- offline replay and recording --------------------------------------------------------
KHABAR_REPLAY_DIR = None
KHABAR_RECORD_DIR = None
KHABAR_RECORD_FLUSH_EVERY = 50  # responses between syncs of the recording's journal to disk

# --- politeness --------------------------------------------------------------------------
USER_AGENT = "Mozilla/5.0 (compatible; khabar_crawler/0.1; +https://khabarayn.com/robots.txt)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# A page gives at most one item and a few new links, and the pipelines are synchronous: Scrapy
# starts this many tasks per response (default 100), which cost more than they overlap.
CONCURRENT_ITEMS = 8
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 3
# a 503 or 429 asking for a longer Retry-After (seconds) is given up for this run, not waited for
KHABAR_RETRY_AFTER_MAX = 60
KHABAR_UNREACHABLE_AFTER = 50  # downloads in a row failing without a response stop the crawl
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control HTTP server runs Python code sent to it: never in production
REMOTE_CONTROL_ENABLED = False
# seconds from SIGTERM/SIGINT to a forced stop (exit status 1) when the crawl has not stopped
# gracefully by then (a database call that hangs); a second signal forces it at once
KHABAR_SHUTDOWN_TIMEOUT = 30

# One canonicalisation for the duplicate filter, requests and items (khabar_crawler.urls).
REQUEST_FINGERPRINTER_CLASS = "khabar_crawler.frontier.fingerprint.CanonicalRequestFingerprinter"
# the duplicate filter, which forgets a killed run's JOBDIR fingerprints (see module)
DUPEFILTER_CLASS = "khabar_crawler.frontier.dupefilter.RecoveringDupeFilter"
# waiting requests past KHABAR_MEMORY_FRONTIER go to disk (a temporary directory without
# JOBDIR): memory does not grow with the frontier; KHABAR_DISK_FRONTIER = False keeps them all
# in memory
SCHEDULER = "khabar_crawler.frontier.scheduler.SpillingScheduler"
KHABAR_DISK_FRONTIER = True
KHABAR_MEMORY_FRONTIER = 10_000  # waiting requests kept in memory before spilling to disk

DOWNLOADER_MIDDLEWARES = {
    # robots.txt rules for every request (Scrapy 2.19 hands them only to the first waiting one)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "khabar_crawler.frontier.robots.RobotsTxtMiddleware": 100,
    # retries that honour Retry-After up to KHABAR_RETRY_AFTER_MAX
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "khabar_crawler.frontier.retry.RetryMiddleware": 550,
    # KHABAR_UNREACHABLE_AFTER downloads in a row without a response: close (site_unreachable)
    "khabar_crawler.frontier.unreachable.UnreachableSite": 580,
    # skips stored articles that are not due; conditional requests; 304s are not parsed
    "khabar_crawler.frontier.incremental.IncrementalMiddleware": 800,
    # sees raw responses (before redirects are followed); asks for uncompressed bodies
    "khabar_crawler.snapshot.record.RecordMiddleware": 650,
    # last in line: answers from the snapshot, so nothing reaches the network
    "khabar_crawler.snapshot.replay.ReplayMiddleware": 950,
}

SPIDER_MIDDLEWARES = {
    # a page's state (validators, fetch time) is saved with its outcome: on its item, for
    # the store's transaction, or once a page without an item has handed on its links
    "khabar_crawler.frontier.page_outcomes.PageOutcomeMiddleware": 950,
}

COMMANDS_MODULE = "khabar_crawler.runs.commands"  # `scrapy crawl` exits 3 when an alarm is breached

EXTENSIONS = {
    # lets the spider skip links the duplicate filter has seen before building their requests
    "khabar_crawler.frontier.dupefilter.SeenUrls": 0,
    # the crawl's one database (DATABASE_URL), opened on first use, disposed at engine_stopped
    "khabar_crawler.db.database.DatabaseExtension": 50,
    # coverage floors, items drop, bot challenges: a breach fails the run
    "khabar_crawler.runs.alarms.Alarms": 100,
    # the crawl_runs row: opened with the spider, finished from the stats and the alarms
    "khabar_crawler.runs.record.RunRecord": 200,
    # final stats as JSON when KHABAR_STATS_FILE is set
    "khabar_crawler.runs.stats_file.StatsFile": 500,
    # no log record built below the log level; KHABAR_GC_FREEZE (khabar_crawler/runs/lean.py)
    "khabar_crawler.runs.lean.LeanRuntime": 900,
}
# Scrapy's own work per page (khabar_crawler/runs/lean.py): stats calls without Scrapy 2.19's
# per-call wrapper, and its per-page DEBUG lines built only when something listens
STATS_CLASS = "khabar_crawler.runs.lean.LeanStatsCollector"
LOG_FORMATTER = "khabar_crawler.runs.lean.LeanLogFormatter"
# Scrapy reads a callback's source and parses it to warn about a generator's `return value`,
# again whenever its cache (weak references to bound methods) has lost the callback: a few
# hundred microseconds a page. tests/test_replay_middlewares.py checks our callbacks instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
# the cyclic garbage collector during the crawl (khabar_crawler/runs/lean.py has the figures):
# gc.freeze() once the crawl has started, so that full collections no longer walk start-up's
# objects; the youngest generation collected every this many allocations (0: Python's 700)
KHABAR_GC_FREEZE = True
KHABAR_GC_THRESHOLD = 10_000
KHABAR_STATS_FILE = None
# the run's crawl_runs row gets its counts so far every this many seconds (0: off), and the
# log a line with them ("Crawl run 12 so far: 340 pages, 120 new, ...")
KHABAR_HEARTBEAT_SECONDS = 30

# The flow of an item after the spider: clean -> validate -> dedupe -> store. A page that is
# no article travels the same road as a RejectedPage item, recorded by the store.
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,  # tidy display text, parse dates
    "pipelines.validate.ValidatePipeline": 200,  # an article that cannot be a row: RejectedPage
    "pipelines.dedupe.DedupePipeline": 300,  # fingerprints: search forms, content hash, SimHash
    "pipelines.store.StorePipeline": 400,  # batches: stored copies, aliases, near duplicates; rejections
}

# --- storage -----------------------------------------------------------------------------
# SQLAlchemy URL; the DATABASE_URL environment variable is read when the setting is unset.
DATABASE_URL = None  # default: sqlite:///data/khabar.db (WAL mode)
KHABAR_DB_AUTO_MIGRATE = True  # apply Alembic migrations when a crawl opens the database
# Bounded waits, in seconds (0: no limit); unset (None): the environment variable of the same
# name, else the default (see khabar_crawler/db/engine.py). The khabar CLI reads the environment.
KHABAR_DB_CONNECT_TIMEOUT = None  # PostgreSQL connection set-up; default 10
KHABAR_DB_STATEMENT_TIMEOUT = None  # PostgreSQL statement; default 60 (the client gives up 2 s later)
KHABAR_DB_BUSY_TIMEOUT = None  # SQLite wait for another process's write lock; default 30
KHABAR_STORE_BATCH_SIZE = 100  # items (and rejections) per transaction
KHABAR_STORE_FLUSH_SECONDS = 5.0  # flush a partial batch after this long
KHABAR_STORE_IN_BACKGROUND = True  # a batch written on a thread of its own while the crawl goes on
KHABAR_NEAR_DUPLICATE_SIMILARITY = 0.9  # SimHash similarity that flags a near duplicate
# A batch the database refuses for a transient reason (gone, locked, disk full) is retried
# with backoff for this long (seconds); then the crawl stops (close reason
# database_unavailable, exit 3) and what it holds goes to the spool, written first next run.
KHABAR_DB_RETRY_SECONDS = 60
KHABAR_SPOOL_DIR = "data/spool"  # JSON Lines, fsynced; one file a run

# --- incremental runs (live crawls; replays are never incremental) --------------------------
KHABAR_INCREMENTAL = True
KHABAR_FULL_RECRAWL = False  # -a full=1: fetch everything unconditionally
KHABAR_PAGE_STATE_FLUSH_EVERY = 100  # page states of pages without an item, per write
# [max age in days, revisit interval in hours], youngest first; null age: any older article
KHABAR_REVISIT_INTERVALS = [[1, 1], [7, 6], [30, 24], [None, 168]]

# --- alarms (see khabar_crawler/runs/alarms.py) ---------------------------------------
KHABAR_COVERAGE_FLOORS = {
    "title": 0.99,
    "body": 0.98,
    "published_at": 0.95,
    "category": 0.9,
    "article_id": 0.99,
}
KHABAR_COVERAGE_MIN_ITEMS = 20  # fewer items than this: too few to judge coverage
# fewer listed article URLs than this share of the recent median fails (the feed and the news
# sitemap repeat URLs of the other sitemaps: half the articles gone lists about 0.5-0.6 of them)
KHABAR_ITEMS_DROP_RATIO = 0.7
KHABAR_ITEMS_DROP_WINDOW = 5
KHABAR_ITEMS_DROP_MIN = 10
KHABAR_CHALLENGE_MAX_SHARE = 0.2  # share of pages that may be bot challenges or empty shells
# share of extracted items whose body the site's own profile rules read (the rest came from
# the generic or structured-data layers): below it the theme probably changed; 0 or None: off
KHABAR_SITE_PROFILE_MIN_SHARE = 0.8

# --- scale-out: set REDIS_URL (setting or environment) to share one frontier in Redis --------
# the add-on switches scheduling and duplicate filtering to scrapy-redis when REDIS_URL is set
ADDONS = {"khabar_crawler.frontier.redis.RedisFrontier": 100}
REDIS_URL = None
KHABAR_JOB = None  # the crawl's name in Redis; default: the current UTC hour

FEED_EXPORT_ENCODING = "utf-8"
# feeds carry the golden and crawl fields of articles only (the store keeps rejections out)
FEED_EXPORT_FIELDS = [*_items.GOLDEN_FIELDS, *_items.CRAWL_FIELDS]
LOG_LEVEL = "INFO"
