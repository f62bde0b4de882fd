"""Shared pytest fixtures: databases built once per session and copied per test, and the browser
fixture set (one Chromium, pages signed in through the real login form).

Databases. Each distinct database is built once per session (once per xdist worker) into a
session temp folder and never opened there again; tests get a file copy (shutil.copy of the
closed .duckdb, a few milliseconds): per test when the test writes, per module when the module
only reads. A copy rather than the built file itself because the app's cached read-write
connection (st.cache_resource, process-wide) and a test's read-only connection may not share a
file in one process, and a module that writes must not change another's numbers.

  empty_db_file   the contract tables, no rows           -> fresh_db (a connection to a copy)
  small_db_file   browser_support.small_database(now)    -> small_db (a copy per test)
  people_db_file  test_volunteers.people_database(now)   (small county + volunteers, economy)

Servers. `small_server` (the small county, read-only modules) and `live_server` (the API's live
server, test_api_server.Live, for the modules that post to it and check only what they add) run
once per session (per xdist worker); a module whose server differs (a first start, a wall
county, a written file) starts its own.

Browser. `browser` is one headless Chromium per module; `new_page(size)` opens a page in a new
context; `signed_in(role, path, size, lang)` opens `path` by its URL, logs in through the form as
the demo account of `role` and switches the language; with keep=True the signed-in page is kept
for the module and the next call with the same role, size and language navigates by the sidebar
(or, by_url=True, loads the URL in that context: its session cookie signs in) instead of typing
the form again. Contexts a test opened are closed when it ends, passed or failed.
A module using them defines a module-scoped `server` fixture (browser_support.serve, or
`small_server`, the session's one server on the small county for modules that only read).

xdist. The test command runs `-n auto --dist loadfile`: a module runs whole, in file order, on one
worker, so a module-scoped server or county is started or built once and a test may rely on the
one before it (test_browser.py: the kiosk test's first start builds the county the others read).
Workers take the files in collection order (pyproject's addopts turn xdist's own reordering, by
number of tests, off): pytest_collection_modifyitems below puts the long files first (LONG_FILES),
so a long file with few tests does not start last and run alone while the other worker idles.

DuckDB threads. The run sets GRIDBOARD_DB_THREADS=1 (gridboard/db/store.py) for the test processes
and every server and CLI process they start: the suite's queries are small and planning-bound, and
on two cores shared by two workers, their servers and Chromium a second DuckDB thread per query only
added CPU (12 % of seven database-heavy files' CPU, measured 2026-11-29). The answers do not depend on
it; tests about threads themselves (test_demo's two-thread insert, test_server_limits) set their own.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_DATA = SHARED / "data" / "real"
sys.path.insert(0, str(ROOT))

import browser_support as bs  # noqa: E402

from gridboard.core import config  # noqa: E402
from gridboard.db import store  # noqa: E402

os.environ.setdefault(store.THREADS_ENV, "1")  # inherited by servers and CLI processes (docstring)

# --- order: the long files first ---------------------------------------------------------------

# Files that take long for their number of tests (a JVM, servers and browsers, demo counties, real
# exports), longest first: CPU seconds of the test process and what it started, each file run alone
# on 2026-11-29 under load 6–10 (the helpers' figures; ~ where estimated). xdist hands whole files to
# the workers in collection order; these go first, then every other file by its number of tests
# (xdist's own rule, which alone put a long file with few tests last, running by itself while the
# other worker idled). List a file here when it runs long.
LONG_FILES: tuple[str, ...] = (
    "test_tour.py",             # ~250: every page as the admin, three roles on their role-dependent pages
    "test_spark_equality.py",   # 87 (280 s wall): Spark's JVM and 16 queries on it
    "test_browser.py",          # ~180: a first-start demo county, direct URLs, the kiosk, the overview
    "test_bigscreen_browser.py",  # 191: three servers, the wall at up to 3840×2160
    "test_export_browser.py",   # 137: pages printed to PDF, chart PNGs through kaleido
    "test_aggregates.py",       # 114: 23 period windows × six unit levels, aggregates vs raw
    "test_import_browser.py",   # 99: real exports uploaded, checked and loaded
    "test_aggregates_memo.py",  # ~90: the memo against the raw engine
    "test_url_state.py",        # 92: reloads and shared links
    "test_ranking_browser.py",  # 77
    "test_kpi_browser.py",      # 69
    "test_economy_browser.py",  # 67
    "test_access_server.py",    # 58
    "test_api_server.py",       # 57 (204 s wall): the session's live server, real exports posted
    "test_bulletin.py",         # 42: a 20,000-case county, .docx and PNG charts, a CLI run
    "test_import_english.py",   # ~45–85 (loaded): the import page in English, a real export loaded
    "test_demo.py",             # ~31: a 400,000-case county through the CLI
    "test_ranking_page.py",     # 37
    "test_import_page.py",      # 37
    "test_drill_sums.py",       # ~30: every unit of a demo county, two paths
    "test_import_flood.py",     # 30: the Baltimore history file
    "test_ingest_real.py",      # 30: the real exports imported
    "test_aggregates_bench.py",  # ~28: the bench command on the shared demo county
    "test_safety_crash.py",     # 20: five killed 50,000-row loads
    "test_loadtest.py",         # 20: three walls and an import
    "test_safety_database.py",  # 19: CLI runs and every page on broken files
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """LONG_FILES first in their order, then the other files by number of tests (most first);
    tests keep their order inside a file."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.path.name] = counts.get(item.path.name, 0) + 1
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -counts[item.path.name]))  # stable


# --- databases ----------------------------------------------------------------------------------


def copy_db(template: Path, folder: Path, name: str | None = None) -> Path:
    """A file copy of a built (closed) database in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(template, folder / (name or template.name)))


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder of built databases (never opened by a test: copy them)."""
    return tmp_path_factory.mktemp("templates")


@pytest.fixture(scope="session")
def empty_db_file(db_templates: Path) -> Path:
    path = db_templates / "empty.duckdb"
    store.connect(path, create=True).close()
    return path


@pytest.fixture(scope="session")
def metrics_fixture_db_file(db_templates: Path) -> Path:
    """The hand-made cases of tests/data/metrics_fixture.sql, with the unit closure built."""
    path = db_templates / "metrics_fixture.duckdb"
    con = store.connect(path, create=True)
    try:
        con.execute((ROOT / "tests" / "data" / "metrics_fixture.sql").read_text(encoding="utf-8"))
        store.rebuild_unit_closure(con)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def small_db_file(db_templates: Path) -> Path:
    """The hand-made county of browser_support.small_database, cases up to the session's start."""
    return bs.small_database(db_templates / "small.duckdb", config.load().now())


@pytest.fixture(scope="session")
def people_db_file(db_templates: Path) -> Path:
    """The small county plus volunteers, services and collective economy (tests/test_volunteers.py)."""
    from test_volunteers import people_database

    return people_database(db_templates / "people.duckdb", config.load().now())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def fresh_db(empty_db_file: Path, db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty gridboard database with every contract table (a copy of the session's)."""
    con = store.connect(copy_db(empty_db_file, db_path.parent, db_path.name))
    yield con
    con.close()


@pytest.fixture
def small_db(small_db_file: Path, tmp_path: Path) -> Path:
    """A copy of the small county of this test's own (write to it freely)."""
    return copy_db(small_db_file, tmp_path)


# --- browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _playwright() -> Iterator[object]:
    """Playwright's sync loop, one per browser test module (it is then gone before the worker runs
    AppTest modules, which use asyncio themselves)."""
    if not bs.CHROMIUM.exists():
        pytest.skip(f"{bs.CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


def _launch(pw, args: list[str]) -> Iterator[object]:
    executable = bs.HEADLESS_SHELL if bs.HEADLESS_SHELL.exists() else bs.CHROMIUM
    chromium = pw.chromium.launch(executable_path=str(executable), args=args, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def browser(_playwright) -> Iterator[object]:
    """One headless Debian Chromium per browser test module (a launch takes a second; its headless
    shell where installed, browser_support.HEADLESS_SHELL), without WebGL (browser_support.NO_WEBGL)."""
    yield from _launch(_playwright, bs.CHROMIUM_ARGS + bs.NO_WEBGL)


@pytest.fixture(scope="module")
def webgl_browser(_playwright) -> Iterator[object]:
    """The same with WebGL, for the tests marked `webgl` (they check a map drawn)."""
    yield from _launch(_playwright, bs.CHROMIUM_ARGS)


def _browser_for(request: pytest.FixtureRequest) -> object:
    """The module's Chromium with WebGL for a test marked `webgl`, else the one without."""
    return request.getfixturevalue("webgl_browser" if request.node.get_closest_marker("webgl") else "browser")


@pytest.fixture(scope="session")
def small_server(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bs.Server]:
    """One server per session (per xdist worker) on a copy of the small county, for the modules that
    only read (test_kpi_browser.py, test_ranking_browser.py), without the demo feed: the county is
    marked demo, so the feed (demo_feed = "auto") would add cases under the tests' numbers and move
    the data version, which recomputes every page's figures at its next run."""
    folder = tmp_path_factory.mktemp("small_server")
    with bs.serve(folder, copy_db(small_db_file, folder), "demo_feed = false\n") as server:
        yield server


LIVE_KIOSK = "server-browser-test"  # the live server's wall token (test_server_browser.py)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One `streamlit run server.py` per session (per xdist worker) with the API on, for the modules
    that talk to it over HTTP and only add what they check (test_api_server.py,
    test_access_server.py, test_server_browser.py): test_api_server.Live on a small county with
    its accounts and tokens, a session key file (GRIDBOARD_SESSION_KEY) and a kiosk token."""
    from test_api_server import Live

    tmp = tmp_path_factory.mktemp("live")
    server = Live(tmp)
    server.env["GRIDBOARD_SESSION_KEY"] = str(tmp / "session.key")
    server.cfg.write_text(f'kiosk_token = "{LIVE_KIOSK}"\nstale_after_minutes = 600\n'
                          + server.cfg.read_text(encoding="utf-8"), encoding="utf-8")
    with server.serve():
        yield server


@pytest.fixture
def new_page(request: pytest.FixtureRequest, server: bs.Server) -> Iterator[Callable[..., object]]:
    """new_page(size="1920x1080") → a page in a new context on the module's server (closed after)."""
    opened: list[object] = []
    browser = _browser_for(request)

    def make(size: str = "1920x1080"):
        page = bs.open_page(browser, server, size)
        opened.append(page.context)
        return page

    yield make
    for context in opened:
        context.close()


@pytest.fixture(scope="module")
def _kept_pages() -> Iterator[dict[tuple[str, str, str, int], object]]:
    kept: dict[tuple[str, str, str, int], object] = {}
    yield kept
    for page in kept.values():
        if not page.is_closed():  # a browser set up after this fixture is closed before it, its pages with it
            page.context.close()


@pytest.fixture
def signed_in(request: pytest.FixtureRequest, server: bs.Server, _kept_pages) -> Iterator[Callable[..., object]]:
    """signed_in(role="leader", path="", size="1920x1080", lang="zh", keep=False, by_url=False) → a
    page showing `path` (a url_path; "" = the role's home) signed in as `role`, settled.

    The first page of a (role, size, lang) logs in through the form; with keep=True it is kept for
    the module, and the next call opens `path` from its sidebar menu (the same session), or, with
    by_url=True or where the menu has no such entry (the wall screen hides the sidebar, the case page
    is reached by links), loads the URL in the kept browser context, whose session cookie signs the
    new session in without the form."""
    opened: list[object] = []
    browser = _browser_for(request)

    def sign(role: str = "leader", path: str = "", size: str = "1920x1080", lang: str = "zh", *,
             keep: bool = False, by_url: bool = False):
        key = (role, size, lang, id(browser))
        page = _kept_pages.get(key) if keep else None
        title = _title(path, role, lang)
        if page is not None and not by_url and bs.can_navigate(page, title):
            bs.navigate(page, title)
            return page
        if page is None:
            page = bs.open_page(browser, server, size)
            (_kept_pages.__setitem__(key, page) if keep else opened.append(page.context))
        bs.goto(page, server, path)
        if page.locator(bs.LOGIN_FIELD).count():  # else the context's session cookie signed this session in
            bs.log_in(page, role)
        if lang == "en":
            bs.switch_language(page, "English")
        return page

    yield sign
    for context in opened:
        context.close()


def _title(path: str, role: str, lang: str) -> str:
    from gridboard import ui

    spec = next(p for p in ui.PAGES if p.url_path == path) if path else ui.visible_pages(role)[0]
    return spec.title(lang)
