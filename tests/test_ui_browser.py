"""``khabar ui`` in a real browser: Debian's Chromium, headless, driven through its
chromedriver by Selenium (no driver or browser is downloaded). On the seed articles: an
Arabic query with a prefix attached finds the right article, its page reads right to left
with its versions, and the chart draws one series a category. Each page is saved as a PNG in
the test's folder (and in ``$KHABAR_TEST_ARTIFACTS`` when set).

Without Chromium or chromedriver the tests are skipped with the reason, except under
``CI=true``, where they fail (``.ci/run`` installs both)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import SNAPSHOT, run_crawl
from tests.test_analyst_tools import PARTNERSHIP, PARTNERSHIP_TITLE, free_port, serve_khabar_ui

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: بوريل (Borrell) occurs in 52306 only, never as وبوريل: found through the conjunction و
PREFIXED_QUERY = "وبوريل"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1400",
)


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.is_file():
            return f"{path} is missing (apt-get install {package})"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def skip_or_fail(problem: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{problem}; CI must run the browser tests")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def seed_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ui-seed")
    run_crawl(root / "data", "-a", f"replay={SNAPSHOT}")
    return root / "data" / "khabar.db"


@pytest.fixture(scope="module")
def site(seed_database: Path) -> Iterator[str]:
    """``khabar ui`` on the seed articles; its base URL."""
    port = free_port()
    yield from serve_khabar_ui(
        ["--database-url", f"sqlite:///{seed_database}", "ui", "--port", str(port)], port=port
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    problem = browser_problem()
    if problem is not None:
        skip_or_fail(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, tmp_path: Path, name: str) -> Path:
    """The page as ``<name>.png`` in the test's folder, copied to $KHABAR_TEST_ARTIFACTS."""
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    artifacts = os.environ.get("KHABAR_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, Path(artifacts) / path.name)
    return path


def search_for(driver: Any, site: str, query: str) -> None:
    """Type ``query`` into the search page's box and submit the form."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{site}/-/search")
    box = driver.find_element(By.NAME, "q")
    box.clear()
    box.send_keys(query)
    box.submit()
    WebDriverWait(driver, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ol.hits, p.error"))
    )


def titles(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, "ol.hits li a.title")]


def test_a_prefixed_arabic_query_finds_the_right_article(browser: Any, site: str, tmp_path: Path) -> None:
    search_for(browser, site, PREFIXED_QUERY)
    screenshot(browser, tmp_path, "search")
    assert titles(browser) == [PARTNERSHIP_TITLE]


def test_the_search_page_reads_right_to_left(browser: Any, site: str) -> None:
    search_for(browser, site, PREFIXED_QUERY)
    root = browser.execute_script("return [document.documentElement.dir, document.documentElement.lang]")
    assert root == ["rtl", "ar"]


def test_the_snippet_marks_the_match(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    search_for(browser, site, PREFIXED_QUERY)
    marks = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "ol.hits .snippet mark")]
    assert marks == ["بوريل"]


def test_a_query_with_nothing_to_search_says_why(browser: Any, site: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    search_for(browser, site, "...")
    screenshot(browser, tmp_path, "search-error")
    assert "nothing to search for" in browser.find_element(By.CSS_SELECTOR, "p.error").text


@pytest.fixture
def article_page(browser: Any, site: str, tmp_path: Path) -> Any:
    """The article page reached from the search's hit."""
    from selenium.webdriver.common.by import By

    search_for(browser, site, PREFIXED_QUERY)
    browser.find_element(By.CSS_SELECTOR, "ol.hits li a.title").click()
    screenshot(browser, tmp_path, "article")
    return browser


def test_the_article_page_shows_the_title_right_to_left(article_page: Any) -> None:
    from selenium.webdriver.common.by import By

    heading = article_page.find_element(By.CSS_SELECTOR, 'article[dir="rtl"][lang="ar"] h1')
    assert heading.text == PARTNERSHIP_TITLE


def test_the_article_page_lists_its_versions(article_page: Any, seed_database: Path) -> None:
    from selenium.webdriver.common.by import By

    with sqlite3.connect(seed_database) as connection:
        (stored,) = connection.execute(
            "SELECT COUNT(*) FROM article_versions AS v JOIN articles AS a ON a.id = v.article_pk"
            " WHERE a.article_id = ?",
            (PARTNERSHIP,),
        ).fetchone()
    assert len(article_page.find_elements(By.CSS_SELECTOR, "table.versions tr.version")) == stored


def test_the_chart_draws_one_series_a_category(
    browser: Any, site: str, seed_database: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    with sqlite3.connect(seed_database) as connection:
        categories = {row[0] for row in connection.execute("SELECT category FROM daily_category_counts")}
    browser.get(f"{site}/-/chart")
    screenshot(browser, tmp_path, "chart")
    series = browser.find_elements(By.CSS_SELECTOR, "svg.khabar-chart g.series")
    assert sorted(element.get_attribute("data-category") for element in series) == sorted(categories)
