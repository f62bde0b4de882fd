"""Helpers for the page and browser tests: the hand-made small county, a Streamlit server on a free
port, and the browser helpers every browser test shares (the fixtures that use them, `browser`,
`new_page` and `signed_in`, are in tests/conftest.py).

`small_database(path, as_of)` writes a hand-made county (2 towns, 3 communities/villages,
6 grids, 2 micro-grids, a few hundred cases over the 60 days before `as_of`) through
store.connect(create=True) and one bound bulk INSERT, so the page tests do not depend on the demo
generator and know exactly what is in the file. Tests take it from the session fixtures of
tests/conftest.py (built once, copied per test or module) rather than building it themselves.

Waiting in a browser test is on conditions, never on fixed pauses: `settle(page)` waits until the
app is connected, no script run is going on, no skeleton is left and fonts are loaded; `rerun(page)`
wraps an action that makes Streamlit run the script and waits for that run's `script_finished`
message on the page's websocket (the server's own word that the run is over), then settles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gridboard.db import store

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Debian's old headless shell of the same Chromium build (package chromium-headless-shell), which is
# what Playwright itself runs headless: the same renderer without the full browser around it. The
# suite ran 8 % faster with it on 2 cores (pytest 1,112 s against 1,204 s, 2026-11-29). The tests
# fall back to the full browser where the package is missing.
HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Without WebGL (the default, conftest's `browser`; a test marked `webgl` gets `webgl_browser` with it):
# Chromium draws deck.gl maps in software (SwiftShader), which was about a third of a role's tour
# (66 s with the maps, 42 s without). The maps are checked drawn in test_bigscreen_browser.py and
# test_economy_browser.py; elsewhere the map panel stays empty, as on a PC whose browser has no WebGL.
NO_WEBGL = ["--disable-webgl", "--disable-3d-apis"]

UNITS = [
    # unit_id, parent_id, level, name, grid_type, households
    ("C", None, "county", "测试县", None, None),
    ("T1", "C", "town", "城关街道", None, None),
    ("T2", "C", "town", "东湖镇", None, None),
    ("T1C1", "T1", "community", "幸福社区", None, None),
    ("T1C2", "T1", "community", "和平社区", None, None),
    ("T2V1", "T2", "village", "李家村", None, None),
    ("T1C1G1", "T1C1", "grid", "幸福社区第一网格", "general", 420),
    ("T1C1G2", "T1C1", "grid", "幸福社区第二网格", "general", 380),
    ("T1C2G1", "T1C2", "grid", "和平社区第一网格", "general", 460),
    ("T1C2G2", "T1C2", "grid", "实验小学专属网格", "dedicated", 0),
    ("T2V1G1", "T2V1", "grid", "李家村第一网格", "general", 350),
    ("T2V1G2", "T2V1", "grid", "李家村第二网格", "general", 310),
    ("T1C1G1M1", "T1C1G1", "micro_grid", "幸福社区1号楼微网格", None, 60),
    ("T1C1G1M2", "T1C1G1", "micro_grid", "幸福社区2号楼微网格", None, 55),
]
CATEGORIES = ["矛盾纠纷", "安全隐患", "环境卫生", "民生服务", "城市管理"]
SOURCES = ["grid_patrol", "hotline", "app", "sensor"]
LEAF_UNITS = ["T1C1G1M1", "T1C1G1M2", "T1C1G2", "T1C2G1", "T1C2G2", "T2V1G1", "T2V1G2"]


CASE_COLUMNS = ["case_id", "unit_id", "source", "category", "title", "reported_at", "dispatched_at", "responded_at",
                "closed_at", "callback_at", "due_at", "status", "handled_level", "satisfaction", "reopened",
                "supervised", "reporter_phone"]


def insert_rows(con, table: str, columns: list[str], rows: list[tuple]) -> None:
    """INSERT `rows` into `table` in one statement over a pandas frame (executemany binds row by
    row: 600 cases took 11 s on a loaded 2-core machine, this takes a few milliseconds)."""
    import pandas as pd

    cur = con.cursor()  # its own statement state: `con` may hold an unfinished result
    try:
        cur.register("_insert_rows", pd.DataFrame(rows, columns=columns))
        cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM _insert_rows")
    finally:
        cur.close()


def small_database(path: Path, as_of: dt.datetime, *, cases: int = 600, seed: int = 3) -> Path:
    """Write the hand-made county to `path` (replacing it); cases end just before `as_of`."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    rng = random.Random(seed)
    con = store.connect(path, create=True)
    try:
        insert_rows(con, "units", ["unit_id", "parent_id", "level", "name", "grid_type", "households"], UNITS)
        rows = []
        for i in range(cases):
            reported = as_of - dt.timedelta(minutes=rng.randint(30, 60 * 24 * 60))
            limit = dt.timedelta(hours=rng.choice([24, 72, 168]))
            responded = reported + dt.timedelta(minutes=rng.uniform(2, 300))
            status = rng.choices(["closed", "in_progress", "open", "cancelled"], [80, 10, 6, 4])[0]
            closed = reported + limit * rng.uniform(0.1, 1.4) if status == "closed" else None
            if closed is not None and closed > as_of:
                closed, status = None, "in_progress"
            satisfaction = rng.choice(["satisfied", "satisfied", "basic", "dissatisfied", None]) if closed else None
            rows.append((
                f"K{i:05d}", rng.choice(LEAF_UNITS), rng.choice(SOURCES), rng.choice(CATEGORIES),
                "<b>楼道堆物</b> & 噪音" if i == 0 else f"事件{i}", reported,
                reported + dt.timedelta(minutes=1), responded if responded <= as_of else None, closed,
                closed + dt.timedelta(hours=2) if satisfaction else None, reported + limit, status,
                rng.choice(["grid", "grid", "community", "town"]) if closed else None,
                satisfaction, rng.random() < 0.03, rng.random() < 0.05, f"138{rng.randint(0, 99_999_999):08d}",
            ))
        insert_rows(con, "cases", CASE_COLUMNS, rows)
        store.rebuild_unit_closure(con)
        store.bump_data_version(con)
        store.set_meta(con, "demo", f"test county seed={seed}")  # synthetic: the demo accounts may open it
    finally:
        con.close()
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], *, log: Path, timeout: float = 90) -> Iterator[str]:
    """Run `streamlit run app.py` on a free port with `env` added; yield its base URL."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k != "GRIDBOARD_AUTH"}  # the gate is real
    full_env.update(env)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start in {timeout} s: {log.read_text()[-2000:]}")
                time.sleep(0.3)  # the poll interval of the health check: another process, no event to wait on
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- the browser helpers every browser test shares --------------------------------------------------

SHOTS = Path(os.environ.get("GRIDBOARD_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768), "3840x2160": (3840, 2160)}
TIMEOUT_MS = 180_000  # a condition waited for, not a speed limit: the shared 2-core machine is often loaded
FAILURE = '[data-testid="stException"], [data-testid="stAlertContentError"]'
LOGIN_FIELD = 'input[aria-label="用户名"]'
LOCAL_SCHEMES = ("data:", "blob:")

# True once the app is idle: connected, no script run going on (Streamlit's own attribute on stApp),
# the running indicator empty, no skeleton (lazy elements such as plotly still loading), no stale
# element of a previous run, and the web fonts loaded (screenshots show the CJK text).
_IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && status.innerText.trim()) return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')) return false;
    return document.fonts.status === 'loaded';
}"""


@dataclass
class Server:
    """A running `streamlit run app.py`: its URL, files, and every URL its browser pages requested."""

    url: str
    db: Path
    cfg: Path
    log: Path
    requests: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        """Requests that left the local server (command centres run on intranets: must be [])."""
        return sorted({u for u in self.requests if not u.startswith((self.url, *LOCAL_SCHEMES))})


@contextlib.contextmanager
def serve(folder: Path, db: Path, config_text: str = "") -> Iterator[Server]:
    """A server on `db` (login gate on) with gridboard.toml = `config_text`, files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "gridboard.toml"
    # no memo warming in the background (gridboard/server/warm.py, tested in test_memo_warm.py): on
    # these small counties it only takes CPU from the browser tests running beside it
    warm = "" if "memo_warm" in config_text else "memo_warm = false\n"
    cfg.write_text(warm + config_text, encoding="utf-8")
    log = folder / "server.log"
    with streamlit_server({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg)}, log=log) as url:
        yield Server(url, db, cfg, log)


@dataclass
class _Stream:
    """What a page's Streamlit websockets carried, over all of them: the frontend opens a new one
    after a reload or when it reconnects (a server too busy to answer its ping for a while), and a
    run asked for on one socket may end on the next."""

    sockets: int = 0  # Streamlit websockets the page opened
    sent: int = 0  # messages the page sent (a rerun request is one)
    runs: int = 0  # whole script runs that ended (see _run_over)


_STREAMS: dict[object, _Stream] = {}  # page → its _Stream


def _watch(stream: _Stream, ws) -> None:
    if "/_stcore/stream" not in ws.url:
        return
    stream.sockets += 1

    def received(payload: bytes | str) -> None:
        if len(payload) < 1024 and _run_over(payload):  # a run's end is a small message; deltas may be large
            stream.runs += 1

    def sent(_payload: bytes | str) -> None:
        stream.sent += 1

    ws.on("framereceived", received)
    ws.on("framesent", sent)


def open_page(browser, server: Server, size: str = "1920x1080"):
    """A page in a new context of `size` (zh-CN), its requests recorded on `server`."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("request", lambda req: server.requests.append(req.url))
    stream = _STREAMS[page] = _Stream()
    page.on("websocket", lambda ws: _watch(stream, ws))
    page.on("close", lambda _: _STREAMS.pop(page, None))
    return page


POLL_MS = 100  # how often a condition in the page is evaluated while waiting


def settle(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit is idle (see _IDLE): the run is over and everything it drew is painted.
    Polled every POLL_MS rather than on every animation frame (Playwright's default): a frame loop
    keeps the renderer and GPU process drawing for as long as the wait lasts, which on a loaded
    machine was a large part of a browser test's CPU."""
    page.wait_for_function(_IDLE, timeout=timeout_ms, polling=POLL_MS)


def _run_over(payload: bytes | str) -> bool:
    """True for the websocket message that ends a whole script run (not a run cut short by
    st.rerun, which another run follows, and not a fragment's run)."""
    if isinstance(payload, str):
        return False
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg.FromString(payload)
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished in (
        ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


@contextlib.contextmanager
def rerun(page, timeout_ms: int = TIMEOUT_MS) -> Iterator[None]:
    """Around an action that makes Streamlit rerun the script (a click on a widget, a form submit):
    wait for the end of that run on the page's websockets, then settle.

        with rerun(page):
            page.get_by_role("button", name="开始检查").click()
    """
    stream = _STREAMS.get(page)
    if stream is None or not stream.sockets:
        raise RuntimeError("the page has no Streamlit websocket yet: goto() and settle() first")
    runs, sent, sockets = stream.runs, stream.sent, stream.sockets
    yield
    deadline = time.monotonic() + timeout_ms / 1000
    while stream.runs == runs:  # counted by the sockets' listeners while Playwright waits
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no script run ended within {timeout_ms / 1000:.0f} s of the action: the page sent "
                f"{stream.sent - sent} websocket messages since (0: the browser never asked for a run) and "
                f"opened {stream.sockets - sockets} new websockets")
        page.wait_for_timeout(POLL_MS)
    settle(page, timeout_ms)


def messages_sent(page) -> int:
    """How many websocket messages the page has sent to Streamlit (a rerun request is one)."""
    stream = _STREAMS.get(page)
    return 0 if stream is None else stream.sent


def goto(page, server: Server, path: str = "", query: str = "") -> None:
    """Load `path` (a page's url_path, "" for home) with `query` ("?kiosk=…") in a fresh session."""
    page.goto(f"{server.url}/{path}{query}")
    page.wait_for_selector('[data-testid="stApp"]')
    settle(page)


def log_in(page, role: str, password: str | None = None) -> None:
    """Sign in through the form as the demo account named after `role` (leader, staff, analyst,
    admin); returns once the form is gone or an error under it says why not."""
    from gridboard.core import auth

    page.locator(LOGIN_FIELD).wait_for()
    page.get_by_label("用户名").fill(role)
    page.get_by_label("密码").fill(auth.DEMO_PASSWORD if password is None else password)
    with rerun(page):
        page.get_by_role("button", name="登录").click()


def _nav_link(page, title: str):
    return page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title)


def can_navigate(page, title: str) -> bool:
    """True when the sidebar menu is on screen with the page `title` (or its "view more" button);
    the wall screen, for one, hides the sidebar."""
    return _nav_link(page, title).first.is_visible() or page.locator(
        '[data-testid="stSidebarNavViewButton"]').first.is_visible()


def navigate(page, title: str) -> None:
    """Open the page called `title` from the sidebar menu (the same session: no new login)."""
    links = _nav_link(page, title)
    if not links.count():  # a long menu shows its first items and a "view more" button
        page.locator('[data-testid="stSidebarNavViewButton"]').click()
    with rerun(page):
        links.first.click()


def switch_language(page, label: str) -> None:
    """Click the sidebar's language switch ("English" or "中文")."""
    with rerun(page):
        page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()


def wait_for(page, selector: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait for `selector`, failing at once with the message when the app shows an error instead."""
    page.wait_for_selector(f"{selector}, {FAILURE}", timeout=timeout_ms)
    settle(page, timeout_ms)  # an error shown above the element may come first: let the run end
    failure = page.locator(FAILURE)
    if failure.count() and not page.locator(selector).count():
        raise AssertionError(f"the app shows an error instead of {selector}: {failure.first.inner_text()[:1500]}")


def no_exception(page, where: str, *, errors_too: bool = False) -> None:
    """No exception box (and with `errors_too` no st.error box either) on the page."""
    boxes = page.locator(FAILURE if errors_too else '[data-testid="stException"]')
    assert boxes.count() == 0, f"{where}: {boxes.first.inner_text()[:1500]}"


def painted(page) -> None:
    """Two animation frames: whatever the last scroll or click changed has been drawn."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def scroll(page, pixels: int) -> None:
    """Scroll the page (Streamlit's main scroll container, not a chart or data grid inside it) by
    `pixels` at once, then wait until the newly shown part is painted and settled."""
    page.evaluate(
        """dy => {
            const boxes = [document.querySelector('[data-testid="stMain"]'),
                           document.querySelector('[data-testid="stAppViewContainer"]'), document.scrollingElement];
            const box = boxes.find(e => e && e.scrollHeight > e.clientHeight + 1) || document.scrollingElement;
            box.scrollBy({top: dy, behavior: 'instant'});
        }""",
        pixels,
    )
    painted(page)
    settle(page)


def shoot(page, name: str, *, full_page: bool = False) -> Path:
    """A screenshot to screenshots/ (or $GRIDBOARD_SCREENSHOTS) for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, timeout=TIMEOUT_MS)
    return path


def home_title(role: str) -> str:
    """Title of the first page `role` sees (its home page at "/")."""
    from gridboard import ui

    return ui.visible_pages(role)[0].title_zh
