"""A timed browser tour of the desk pages at one preset period (issue #13: "a browser tour of every
page at 本年 … shows each page's first screen within a second of the click").

    .venv/bin/python tools/pagetour.py --db data/bench-10000000.duckdb [--period this_year] [--json]

Starts the project's server on DB (tools/loadserver.py: 127.0.0.1, its own config with the demo feed
off, since a feed tick moves the data version and drops what the memo keeps), waits until the
server's process is idle (its start warm done: gridboard/server/warm.py), signs in as the demo
admin in headless Debian Chromium (1920x1080, zh-CN) at `/overview?period=PERIOD`, then opens each
page from the sidebar menu, twice ("first": the server's caches empty for the period, after its
start warm; "again": what a second visit finds, the pages' own cache). With `--next-minute` it signs
in just after the next minute begins, so that no view finds what the start warm asked at its own
minute (the pages take "now" to the minute: counts and every 环比 are asked again). With `--feed`
the demo feed stays on: every 15 s new cases and status changes arrive, each tick a new data version
(what a viewer of a live county finds). Per page and visit, measured in the browser from the click on the menu entry:

- frame: the page's own title on screen (what the user sees first: the header, the filters and,
  for anything slower than 0.15 s, "正在计算指标…" where the numbers will come);
- run: the server's run of the page finished (its script_finished message on the websocket);
- first screen: that, and nothing stale or loading on the page, the charts drawn
  (tests/browser_support.py's idle condition): what the user sees complete.

Then the server's resident memory after the tour (issue #13: ≤ 1.5 GB). The database is used in
place, read and written as the server would (memo rows, sessions): pass a copy to keep it as it is.
This tool imports the browser tests' helpers (tests/browser_support.py), so that the tour waits on
exactly what the browser tests wait on.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tools")]

import browser_support as bs  # noqa: E402
from loadserver import Sampler, free_port, start_server, stop_server  # noqa: E402

from gridboard.core import auth  # noqa: E402
from gridboard.ui import PAGES  # noqa: E402

# every page of the menu but the sign-in page (targets: `--start overview --pages targets`) and the wall
# (bigscreen: it hides the menu; bench times its refresh)
TOURED = ("overview", "scorecard", "closure", "response", "why", "ranking", "profile", "volunteers", "economy",
          "bulletin", "import")

# Before the click: note when the page's title appears (not stale), and when the click happened.
WATCH = """(title) => {
    window.__clickAt = null; window.__frameAt = null;
    document.addEventListener('click', () => { if (window.__clickAt === null) window.__clickAt = performance.now(); },
                              {capture: true, once: true});
    const seen = () => [...document.querySelectorAll('h1')].some(
        h => h.textContent.trim() === title && !h.closest('[data-stale="true"]'));
    const obs = new MutationObserver(() => {
        if (window.__clickAt !== null && window.__frameAt === null && seen()) {
            window.__frameAt = performance.now(); obs.disconnect();
        }
    });
    obs.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true});
}"""


def idle_server(sampler: Sampler, quiet_s: float = 5.0, timeout_s: float = 900.0, busy_s: float = 0.2) -> float:
    """Wait until the server used under `busy_s` of CPU in the last `quiet_s` seconds; the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        time.sleep(1.0)  # the sampler's own period: another process, nothing to wait on
        recent = [c for t, c in sampler.cpu_s if t >= time.monotonic() - quiet_s]
        if len(recent) >= quiet_s - 1 and recent[-1] - recent[0] < busy_s:
            return time.monotonic() - t0
    raise RuntimeError(f"the server did not go idle in {timeout_s:.0f} s")


def tour(db: Path, period: str, size: str, shots: Path | None = None, start: str = "targets",
         next_minute: bool = False, feed: bool = False, pages: tuple[str, ...] = TOURED) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gridboard-tour-") as tmp:
        work = Path(tmp)
        cfg = work / "gridboard.toml"
        cfg.write_text(f"demo_feed = {'true' if feed else 'false'}\n", encoding="utf-8")
        port = free_port()
        proc = start_server(work, db, cfg, port, work / "server.log")
        sampler = Sampler(proc.pid)
        sampler.start()
        out: dict[str, object] = {"database": str(db), "period": period, "size": size, "pages": {}}
        try:
            out["start_idle_s"] = round(idle_server(sampler, busy_s=1.0 if feed else 0.2), 1)  # (a tick: ~0.3 s)
            if next_minute:  # every view at a minute the start warm did not ask (its as_of has moved)
                time.sleep(62 - time.time() % 60)
            server = bs.Server(f"http://127.0.0.1:{port}", db, cfg, work / "server.log")
            exe = bs.HEADLESS_SHELL if bs.HEADLESS_SHELL.exists() else bs.CHROMIUM
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(exe), args=bs.CHROMIUM_ARGS + bs.NO_WEBGL,
                                             headless=True)
                page = bs.open_page(browser, server, size)
                received = [0]  # bytes the page's websockets carried from the server

                def on_socket(ws: object) -> None:
                    ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))  # type: ignore[attr-defined]

                page.on("websocket", on_socket)
                bs.goto(page, server, start, f"?period={period}")  # not toured: every toured page is a click away
                bs.log_in(page, "admin", auth.DEMO_PASSWORD)
                for visit, spec in [(v, s) for v in ("first", "again") for s in PAGES if s.url_path in pages]:
                    title = spec.title("zh")
                    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first
                    if not link.is_visible():  # past the menu's first ten: "展开全部页面" first (not timed)
                        page.locator('[data-testid="stSidebarNavViewButton"]').click()
                        link.wait_for(state="visible")
                    page.evaluate(WATCH, title)
                    stream = bs._STREAMS[page]
                    runs, bytes_before = stream.runs, received[0]
                    t0 = time.perf_counter()
                    link.click()
                    while stream.runs == runs:  # the server's run of the page ended (script_finished)
                        page.wait_for_timeout(20)
                    run_s = time.perf_counter() - t0
                    bs.settle(page)  # and the browser has drawn everything it sent
                    wall_s = time.perf_counter() - t0
                    click, frame = page.evaluate("() => [window.__clickAt, window.__frameAt]")
                    shown = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
                    out["pages"][f"{spec.url_path}/{visit}"] = {  # type: ignore[index]
                        "frame_s": None if frame is None or click is None else round((frame - click) / 1000, 2),
                        "run_s": round(run_s, 2), "first_screen_s": round(wall_s, 2), "caption": shown,
                        "kb": round((received[0] - bytes_before) / 1024)}
                    bs.no_exception(page, spec.url_path, errors_too=True)
                    if shots is not None and visit == "first":
                        page.screenshot(path=str(shots / f"{spec.url_path}-{period}-{size}.png"))
                browser.close()
            time.sleep(2.0)  # one more sample of the server's memory after the last page
            out["server_rss_mb_after"] = round(sampler.rss_kb[-1] / 1024, 1) if sampler.rss_kb else None
            out["server_rss_mb_peak"] = round(max(sampler.rss_kb) / 1024, 1) if sampler.rss_kb else None
        finally:
            sampler.stop.set()
            stop_server(proc)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="the database (used in place: pass a copy to keep it)")
    ap.add_argument("--period", default="this_year", help="preset period (default this_year)")
    ap.add_argument("--size", default="1920x1080", choices=list(bs.SIZES))
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--shots", type=Path, default=None, help="a folder for a screenshot of each page's first visit")
    ap.add_argument("--start", default="targets",
                    help="the page signed in on (default targets: no chart, not toured; a toured page's first visit is then not timed)")
    ap.add_argument("--pages", default=None,
                    help=f"pages to tour, comma-separated URL paths (default {','.join(TOURED)})")
    ap.add_argument("--next-minute", action="store_true",
                    help="sign in 2 s after the next minute begins: every view then asks at an as_of the server's "
                         "start warm did not (what a viewer finds a minute or more after a start or an import)")
    ap.add_argument("--feed", action="store_true",
                    help="keep the demo feed on (new cases every 15 s, each tick a new data version): what a "
                         "viewer of a live county finds; the idle wait then ends when the start warm is done")
    args = ap.parse_args(argv)
    if not args.db.is_file():
        print(f"pagetour: no database at {args.db}", file=sys.stderr)
        return 2
    if args.shots is not None:
        args.shots.mkdir(parents=True, exist_ok=True)
    pages = tuple(args.pages.split(",")) if args.pages else TOURED
    unknown = [p for p in pages if p not in {s.url_path for s in PAGES}]
    if unknown:
        print(f"pagetour: no page {unknown[0]!r}", file=sys.stderr)
        return 2
    r = tour(args.db, args.period, args.size, args.shots, args.start, args.next_minute, args.feed, pages)
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
        return 0
    print(f"server idle {r['start_idle_s']} s after start; period {args.period}, {args.size}")
    for name, p in r["pages"].items():  # type: ignore[union-attr]
        print(f"{name:18s} frame {p['frame_s']} s   run {p['run_s']} s   first screen {p['first_screen_s']} s"
              f"   {p['kb']} KB   ({p['caption']})")
    print(f"server memory after the tour {r['server_rss_mb_after']} MB (peak {r['server_rss_mb_peak']} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
