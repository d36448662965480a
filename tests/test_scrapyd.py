"""Scrapyd as docs/operations.md ("### Scrapyd") runs it, for real: a Scrapyd started on
127.0.0.1 with a folder of its own, the project deployed with the documented `scrapyd-deploy`
line, the documented jobs scheduled with the documented curl lines.

The docs' lines are copied here as written (``DOCS_*``; :func:`test_docs_say_what_this_test_runs`
keeps them equal to the docs). The only changes made before running them are in
:func:`as_run`: the server's address, the checkout's and the writable folder's paths, and the
database URL of a test database.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIXTURES = ROOT / "fixtures" / "khabarayn"
#: articles of the saved snapshot (its expected extractions)
SNAPSHOT_ARTICLES = len(list((FIXTURES / "expected").glob("*.json")))
JOB_TIMEOUT = 180.0

# --- docs/operations.md, "### Scrapyd", as written ------------------------------------------

DOCS_TARGET = r"""
[deploy:production]
url = http://scrapyd.internal:6800/
project = khabar_crawler
""".strip()

DOCS_DEPLOY = r"""
scrapyd-deploy production | tee /dev/stderr | grep '"status": "ok"' >/dev/null
""".strip()

DOCS_CHECK_JOB = r"""
curl http://scrapyd.internal:6800/schedule.json -d project=khabar_crawler -d spider=khabarayn \
     -d replay=/srv/khabar-crawler/fixtures/khabarayn \
     --data-urlencode setting=DATABASE_URL=sqlite:////var/lib/khabar/check.db \
     -d setting=KHABAR_SPOOL_DIR=/var/lib/khabar/check-spool
""".strip()

DOCS_INCREMENTAL_JOB = r"""
curl http://scrapyd.internal:6800/schedule.json -d project=khabar_crawler -d spider=khabarayn \
     --data-urlencode setting=DATABASE_URL=postgresql+psycopg://khabar@db/khabar \
     -d setting=KHABAR_SPOOL_DIR=/var/lib/khabar/spool
""".strip()

DOCS_FULL_JOB = r"""
curl http://scrapyd.internal:6800/schedule.json -d project=khabar_crawler -d spider=khabarayn -d full=1 \
     --data-urlencode setting=DATABASE_URL=postgresql+psycopg://khabar@db/khabar \
     -d setting=KHABAR_SPOOL_DIR=/var/lib/khabar/spool
""".strip()

DOCS_LISTJOBS = r"""
curl "http://scrapyd.internal:6800/listjobs.json?project=khabar_crawler"
""".strip()

DOCS_POSTGRES_URL = "postgresql+psycopg://khabar@db/khabar"


def scrapyd_section() -> str:
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    start = docs.index("### Scrapyd\n")
    return docs[start : docs.index("\n## ", start)]


@dataclass
class Scrapyd:
    url: str  #: http://127.0.0.1:<port>
    folder: Path  #: its working folder: scrapyd.conf, eggs, logs, dbs
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return (self.folder / "scrapyd.out").read_text(encoding="utf-8", errors="replace")

    def job_log(self, job: str) -> str:
        path = self.folder / "logs" / "khabar_crawler" / "khabarayn" / f"{job}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no job log)"


# --- REPLACEMENTS: the only changes made to the docs' lines before they are run --------------


def as_run(line: str, scrapyd: Scrapyd, var: Path, database_url: str | None = None) -> str:
    """A documented line as this test runs it: our Scrapyd for ``scrapyd.internal:6800``,
    this checkout for ``/srv/khabar-crawler``, a folder in tmp for ``/var/lib/khabar`` and
    the test database (quoted for the shell) for the docs' PostgreSQL URL."""
    line = line.replace("http://scrapyd.internal:6800", scrapyd.url)
    line = line.replace("/srv/khabar-crawler", str(ROOT)).replace("/var/lib/khabar", str(var))
    if database_url is not None:
        line = line.replace(DOCS_POSTGRES_URL, shlex.quote(database_url))
    return line


# ---------------------------------------------------------------------------------------------


def command_env() -> dict[str, str]:
    """The environment of the commands and of Scrapyd: this venv's scripts first; nothing
    that would let a job find the project outside its egg or a database of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def shell(line: str, cwd: Path, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=cwd,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    folder = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"eggs_dir = {folder / 'eggs'}\n"
        f"logs_dir = {folder / 'logs'}\n"
        "items_dir =\n"
        f"dbs_dir = {folder / 'dbs'}\n"
        "jobs_to_keep = 5\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        "poll_interval = 0.2\n",
        encoding="utf-8",
    )
    with (folder / "scrapyd.out").open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "scrapyd")], cwd=folder, env=command_env(), stdout=out, stderr=subprocess.STDOUT
        )
    server = Scrapyd(f"http://127.0.0.1:{port}", folder, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"scrapyd exited {process.returncode}:\n{server.log()}"
            status = shell(f"curl -sf {server.url}/daemonstatus.json", folder)
            if status.returncode == 0 and json.loads(status.stdout)["status"] == "ok":
                break
            assert time.monotonic() < deadline, f"scrapyd did not answer in 30 s:\n{server.log()}"
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def checkout_copy(destination: Path, target: str) -> Path:
    """What `scrapyd-deploy` packs, copied from this checkout (the deploy writes build/ and
    an egg-info into it), with a deploy target added to its scrapy.cfg."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in ("khabar_crawler", "pipelines"):
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md", "MANIFEST.in"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, destination / name)
    cfg = destination / "scrapy.cfg"
    cfg.write_text(f"{cfg.read_text(encoding='utf-8')}\n{target}\n", encoding="utf-8")
    return destination


def server_answer(output: str) -> dict[str, Any]:
    """Scrapyd's JSON answer to addversion.json in what the deploy line printed."""
    answer: dict[str, Any] = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    return answer


@dataclass
class Deployed:
    scrapyd: Scrapyd
    checkout: Path
    answer: dict[str, Any]
    seconds: float


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    checkout = checkout_copy(
        tmp_path_factory.mktemp("checkout"), as_run(DOCS_TARGET, scrapyd, Path("/unused"))
    )
    started = time.monotonic()
    done = shell(DOCS_DEPLOY, checkout)
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{scrapyd.log()[-3000:]}"
    answer = server_answer(done.stderr)
    assert answer["status"] == "ok", answer
    return Deployed(scrapyd, checkout, answer, seconds)


def schedule(deployed: Deployed, line: str) -> tuple[str, dict[str, Any], float]:
    """Run a documented schedule.json line; wait until listjobs.json (the documented line)
    lists the job as finished. Returns the job id, its listjobs entry and the seconds taken."""
    scrapyd = deployed.scrapyd
    started = time.monotonic()
    done = shell(line, deployed.checkout)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == "ok", answer
    job: str = answer["jobid"]
    listjobs = as_run(DOCS_LISTJOBS, scrapyd, Path("/unused"))
    while True:
        jobs = json.loads(shell(listjobs, deployed.checkout).stdout)
        finished = [entry for entry in jobs["finished"] if entry["id"] == job]
        if finished:
            return job, finished[0], time.monotonic() - started
        assert time.monotonic() - started < JOB_TIMEOUT, f"job {job} not finished:\n{scrapyd.job_log(job)}"
        time.sleep(0.2)


def assert_job_succeeded(scrapyd: Scrapyd, job: str) -> None:
    """listjobs.json lists a job that failed as finished too: its exit status is in Scrapyd's
    own log only."""
    outcome = [line for line in scrapyd.log().splitlines() if f"job={job!r}" in line]
    assert any("Process finished:" in line for line in outcome), (
        "\n".join(outcome) + "\n" + scrapyd.job_log(job)[-6000:]
    )


def runs_and_articles(database_url: str) -> tuple[list[dict[str, Any]], int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            runs = [
                dict(row._mapping)
                for row in connection.execute(
                    text("SELECT id, status, arguments FROM crawl_runs ORDER BY id")
                )
            ]
            articles = connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
    finally:
        engine.dispose()
    return runs, int(articles)


def arguments(run: dict[str, Any]) -> dict[str, Any]:
    value = run["arguments"]
    parsed: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return parsed


def test_docs_say_what_this_test_runs() -> None:
    section = scrapyd_section()
    for line in (
        DOCS_TARGET,
        DOCS_DEPLOY,
        DOCS_CHECK_JOB,
        DOCS_INCREMENTAL_JOB,
        DOCS_FULL_JOB,
        DOCS_LISTJOBS,
    ):
        assert line in section, f"docs/operations.md no longer says:\n{line}"
    assert "_job" in section and "exitstatus=3" in section and "--data-urlencode" in section


def test_the_egg_carries_settings_entry_point_pipelines_and_migrations(
    deployed: Deployed, tmp_path: Path
) -> None:
    egg = tmp_path / "khabar_crawler.egg"
    done = shell(f"scrapyd-deploy --build-egg {shlex.quote(str(egg))}", deployed.checkout)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = khabar_crawler.settings" in entry_points, entry_points
    versions = ROOT / "khabar_crawler" / "db" / "migrations" / "versions"
    expected = {
        "pipelines/__init__.py",
        "pipelines/clean.py",
        "khabar_crawler/settings.py",
        "khabar_crawler/db/migrations/env.py",
        "khabar_crawler/db/migrations/script.py.mako",
        *(f"khabar_crawler/db/migrations/versions/{path.name}" for path in versions.glob("*.py")),
    }
    assert expected <= names, sorted(expected - names)


def test_deploy_line_fails_when_scrapyd_refuses_the_egg(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """Scrapyd refuses an egg without the settings entry point with HTTP 200 and
    "status": "error", and scrapyd-deploy exits 0: the documented line must fail anyway."""
    # a project of its own, so that the refused version is never the one jobs run
    target = as_run(DOCS_TARGET, scrapyd, Path("/unused")).replace(
        "project = khabar_crawler", "project = khabar_crawler_refused"
    )
    checkout = checkout_copy(tmp_path / "checkout", target)
    pyproject = checkout / "pyproject.toml"
    table = '[project.entry-points.scrapy]\nsettings = "khabar_crawler.settings"\n'
    assert table in pyproject.read_text(encoding="utf-8")
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(table, ""), encoding="utf-8")
    done = shell(DOCS_DEPLOY, checkout)
    assert done.returncode != 0, done.stderr
    answer = server_answer(done.stderr)
    assert answer["status"] == "error" and "module_name" in answer["message"], answer


def test_documented_check_job_stores_the_snapshot_in_sqlite(deployed: Deployed, tmp_path: Path) -> None:
    scrapyd = deployed.scrapyd
    job, _entry, seconds = schedule(deployed, as_run(DOCS_CHECK_JOB, scrapyd, tmp_path))
    assert_job_succeeded(scrapyd, job)
    runs, articles = runs_and_articles(f"sqlite:///{tmp_path / 'check.db'}")
    assert articles == SNAPSHOT_ARTICLES == 2, scrapyd.job_log(job)[-6000:]
    assert [run["status"] for run in runs] == ["finished"], runs
    assert arguments(runs[0]) == {"_job": job, "replay": str(FIXTURES)}
    # absolute paths: nothing lands in Scrapyd's working folder
    assert not (scrapyd.folder / "data").exists(), sorted(p.name for p in (scrapyd.folder / "data").iterdir())
    print(f"deploy {deployed.seconds:.1f} s, check job {seconds:.1f} s")


def test_documented_jobs_run_on_postgresql(deployed: Deployed, tmp_path: Path, postgres_url: str) -> None:
    """The incremental and the full job's lines, with the snapshot instead of the live site
    (one marked addition) and a PostgreSQL schema of the test server for the docs' URL: its
    ``+`` must reach the crawl (``--data-urlencode``)."""
    assert "+" in postgres_url
    scrapyd = deployed.scrapyd
    # ADDITION to the documented lines: the saved snapshot instead of the live site
    replay = f" -d replay={FIXTURES}"
    for line in (DOCS_INCREMENTAL_JOB, DOCS_FULL_JOB):
        job, _entry, seconds = schedule(deployed, as_run(line, scrapyd, tmp_path, postgres_url) + replay)
        assert_job_succeeded(scrapyd, job)
        print(f"job {job}: {seconds:.1f} s")
    runs, articles = runs_and_articles(postgres_url)
    assert articles == SNAPSHOT_ARTICLES, scrapyd.log()[-3000:]
    assert [run["status"] for run in runs] == ["finished", "finished"], runs
    assert arguments(runs[1]).get("full") == "1", runs
    assert not (scrapyd.folder / "data").exists()
