"""Load test of the wall screen: N kiosk walls at ?refresh=S plus one analyst importing R rows.

    python tools/loadtest.py [--walls 30] [--refresh 5] [--seconds 120] [--rows 20000] [--import-after 40]
                             [--db FILE] [--port 8660] [--json] [--keep DIR]

Bounded and local: it starts its own server (`streamlit run server.py` on 127.0.0.1:PORT) on a
copy of --db (or a freshly built demo county) with a config of its own in a temporary folder (an
analyst account with an API token, a kiosk token, the demo feed off), opens N pages of one headless
Debian Chromium (/usr/bin/chromium, images blocked) at /bigscreen?kiosk=TOKEN&refresh=S, POSTs one
CSV of R new cases (reported in the last two hours, open) to /api/v1/ingest after --import-after
seconds, keeps the walls open --seconds in all, then stops the browser and the server. Nothing
outside the machine is contacted; the given database is never written.

Measured on the walls' own DOM: every wall's freshness stamp carries data-run (the time of the
fragment run that drew it) and data-version (the data version it shows); a MutationObserver in
each page records when each new run reached the DOM. Reported: first render (page opened → first
stamp), the refresh interval (between two stamps of one wall), the time from the import's answer
(and from its start) until each wall showed its data version, errors (page errors, console errors,
HTTP answers >= 400, closed websockets, Streamlit exceptions, red stamps), the server's resident
memory (VmRSS of its process, sampled every second), the load average, and how many live
computations the server ran (/api/v1/health `wall_computations`) against the ticks that passed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gridboard.core import auth, config  # noqa: E402
from gridboard.db import store  # noqa: E402
from gridboard.server import kiosk, tokens  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]
PORTS = range(8660, 8680)
WAIT_S = 300  # the longest a condition is waited for (a loaded shared machine), not a speed limit
# Records each new fragment run of the wall as it reaches the DOM: [browser ms, data-run, data-version, state].
OBSERVER = """
window.__gb = {marks: [], last: null};
new MutationObserver(() => {
  const s = document.querySelector('[data-testid="bs-stamp"]');
  if (!s) return;
  const run = s.getAttribute('data-run');
  if (run === window.__gb.last) return;
  window.__gb.last = run;
  window.__gb.marks.push([Date.now(), Number(run), Number(s.getAttribute('data-version') ?? -1),
                          s.getAttribute('data-state')]);
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-run']});
"""


def probe(url: str) -> bool:
    """Streamlit's frontend first looks for its server under the page's path (/bigscreen/_stcore/
    health and host-config answer 404), then at the root: that 404 is how it finds it, no error."""
    return "/bigscreen/_stcore/" in url


@dataclass
class Result:
    walls: int
    refresh_s: int
    seconds: float
    rows: int
    machine: str = ""
    started: str = ""
    first_render_s: dict[str, float | None] = field(default_factory=dict)
    refresh_interval_s: dict[str, float | None] = field(default_factory=dict)  # once every wall had drawn
    refresh_interval_all_s: dict[str, float | None] = field(default_factory=dict)  # the start's stampede too
    refreshes: int = 0
    walls_refreshed: int = 0
    import_status: int | None = None
    import_seconds: float | None = None
    import_version: int | None = None
    import_seen_after_answer_s: dict[str, float | None] = field(default_factory=dict)
    import_seen_after_start_s: dict[str, float | None] = field(default_factory=dict)
    walls_showing_import: int = 0
    errors: list[str] = field(default_factory=list)
    rss_mb: dict[str, float | None] = field(default_factory=dict)
    load_average: dict[str, float | None] = field(default_factory=dict)
    server_cpu_s: float | None = None  # CPU seconds the server process used while the walls were open
    wall_clock_s: float | None = None  # how long that was
    wall_runs: int = 0  # fragment runs the walls drew (first renders and refreshes)
    wall_computations: int | None = None  # live computations the server ran meanwhile (shared)


def quantiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95 (nearest rank) and max of `values`, rounded to 0.1 s; None when empty."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    s = sorted(values)

    def rank(q: float) -> float:
        return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]

    return {"p50": round(statistics.median(s), 2), "p95": round(rank(0.95), 2), "max": round(s[-1], 2), "n": len(s)}


# --- setup ---------------------------------------------------------------------------------------


def prepare(work: Path, db: Path | None, cases: int) -> tuple[Path, Path, str, str]:
    """The database copy, the config file, the kiosk token and the analyst's API token in `work`."""
    target = work / "load.duckdb"
    if db is not None:
        shutil.copyfile(db, target)
    else:
        from gridboard.demo import county

        cfg0 = config.load()
        outline = Path(str(cfg0["county_outline"]))
        county.build_file(target, cases=cases, seed=7, as_of=cfg0.now(),
                          outline=outline if outline.is_absolute() else config.PROJECT_ROOT / outline)
    cfg = work / "gridboard.toml"
    cfg.write_text(
        f'demo_feed = false\nstale_after_minutes = 100000\ninbox_dir = "{work / "inbox"}"\n\n'
        f'[users.analyst]\nrole = "analyst"\npassword_hash = "{auth.hash_password(uuid.uuid4().hex, iterations=1000)}"\n',
        encoding="utf-8")
    wall_token, _ = kiosk.create("load test", cfg)
    api_token, _ = tokens.create("analyst", cfg)
    return target, cfg, wall_token, api_token


def import_csv(db: Path, rows: int, now: dt.datetime, seed: int = 11) -> bytes:
    """`rows` new open cases in the database's grids, reported within the last two hours (today)."""
    con = store.connect(db, read_only=True)
    try:
        grids = [r[0] for r in con.execute("SELECT unit_id FROM units WHERE level IN ('grid', 'micro_grid')").fetchall()]
    finally:
        con.close()
    rng = random.Random(seed)
    since_midnight = int((now - now.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds())
    span = max(60, min(7200, since_midnight - 60))
    lines = ["case_id,unit_id,source,category,title,reported_at,due_at,status"]
    tag = uuid.uuid4().hex[:6]
    for i in range(rows):
        reported = now - dt.timedelta(seconds=rng.randint(30, span))
        due = reported + dt.timedelta(hours=rng.choice([24, 72]))
        lines.append(f"LOAD{tag}{i:06d},{rng.choice(grids)},hotline,环境卫生,压力测试事件{i},"
                     f"{reported:%Y-%m-%d %H:%M:%S},{due:%Y-%m-%d %H:%M:%S},open")
    return ("\n".join(lines) + "\n").encode("utf-8")


def post_file(url: str, token: str, data: bytes, name: str) -> tuple[int, dict[str, Any]]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def get_json(url: str, token: str | None = None) -> dict[str, Any]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def until(pages: list[Any], condition: str, arg: Any, errors: list[str], failure: str) -> float:
    """Wait (at most WAIT_S in all) until `condition` holds on every page; a page where it does not
    is an error. The seconds waited."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    t0 = time.monotonic()
    for i, page in enumerate(pages):
        left = max(1.0, WAIT_S - (time.monotonic() - t0))
        try:
            page.wait_for_function(condition, arg=arg, timeout=left * 1000)
        except PlaywrightTimeout:
            errors.append(f"wall {i}: {failure} within {WAIT_S} s")
    return time.monotonic() - t0


def free_port() -> int:
    import socket

    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class Sampler(threading.Thread):
    """VmRSS and CPU time of one process and the 1-minute load average, every second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.rss_kb, self.load, self.cpu_s = pid, [], [], []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.rss_kb.append(int(line.split()[1]))
            except OSError:
                pass
            self.load.append(os.getloadavg()[0])
            try:  # utime + stime of the server process (fields 14 and 15 of /proc/PID/stat), seconds
                fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
                self.cpu_s.append((time.monotonic(), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")))
            except (OSError, IndexError, ValueError):
                pass
            self.stop.wait(1.0)


def start_server(work: Path, db: Path, cfg: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "GRIDBOARD_AUTH"}
    env.update({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg),
                "GRIDBOARD_SESSION_KEY": str(work / "session.key")})
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if get_json(url + "/api/v1/health").get("status") == "ok":
                return proc
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError(f"server not ready in 120 s: {log.read_text()[-2000:]}")
        time.sleep(0.5)  # polling another process's readiness: no event to wait on


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the run -------------------------------------------------------------------------------------


def run(walls: int = 30, refresh: int = 5, seconds: float = 120, rows: int = 20_000, import_after: float = 40,
        db: Path | None = None, cases: int = 100_000, port: int | None = None, keep: Path | None = None,
        progress: bool = False, size: tuple[int, int] = (1920, 1080), wait_for_walls: bool = False) -> Result:
    """One load run (see the module's docstring). With `wait_for_walls` (the test) the clock starts
    once every wall has drawn, and the end waits (up to WAIT_S) until every wall has refreshed and
    shown the import: conditions, not durations, decide."""
    from playwright.sync_api import sync_playwright

    result = Result(walls, refresh, seconds, rows, machine=f"{os.cpu_count()} cores, {os.uname().machine}",
                    started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    work = Path(tempfile.mkdtemp(prefix="gridboard-load-")) if keep is None else keep
    work.mkdir(parents=True, exist_ok=True)

    def say(text: str) -> None:
        if progress:
            print(f"[{time.monotonic() - t_start:6.1f}s] {text}", file=sys.stderr, flush=True)

    t_start = time.monotonic()
    try:
        db_copy, cfg, wall_token, api_token = prepare(work, db, cases)
        body = import_csv(db_copy, rows, config.load(cfg).now())
        port = port or free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(work, db_copy, cfg, port, work / "server.log")
        say(f"server up on {url} (pid {proc.pid}), work folder {work}")
        sampler = Sampler(proc.pid)
        sampler.start()
        computed_before = get_json(url + "/api/v1/health").get("wall_computations")
        errors: list[str] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
                context.route("**/*", lambda route: route.abort() if route.request.resource_type == "image"
                              else route.continue_())
                context.add_init_script(OBSERVER)
                pages, opened_at = [], []
                closing = threading.Event()
                for i in range(walls):
                    page = context.new_page()
                    page.on("pageerror", lambda exc, i=i: errors.append(f"wall {i}: page error {exc}"))
                    page.on("console", lambda msg, i=i: errors.append(f"wall {i}: console {msg.text[:200]}")
                            if msg.type == "error" and not probe(msg.location.get("url", "")) else None)
                    page.on("response", lambda resp, i=i: errors.append(f"wall {i}: HTTP {resp.status} {resp.url}")
                            if resp.status >= 400 and not probe(resp.url) else None)
                    page.on("websocket", lambda ws, i=i: ws.on(
                        "close", lambda _ws: errors.append(f"wall {i}: websocket closed {_ws.url}") if not closing.is_set() else None))
                    opened_at.append(time.time())
                    page.goto(f"{url}/bigscreen?kiosk={wall_token}&refresh={refresh}", wait_until="commit")
                    pages.append(page)
                say(f"{walls} walls opened")
                if wait_for_walls:
                    before = len(errors)
                    waited = until(pages, "() => window.__gb.marks.length > 0", None, errors, "never drew")
                    say(f"{walls - (len(errors) - before)} of {walls} walls have drawn ({waited:.0f} s after the last was opened)")
                t_open = time.monotonic()
                done: dict[str, Any] = {"clock": time.time()}

                def analyst() -> None:
                    done["start"] = time.time()
                    done["status"], done["report"] = post_file(url + "/api/v1/ingest?table=cases", api_token, body,
                                                               "load.csv")
                    done["end"] = time.time()

                importer = threading.Thread(target=analyst, daemon=True)
                while time.monotonic() - t_open < seconds:
                    if not importer.is_alive() and "start" not in done and time.monotonic() - t_open >= import_after:
                        importer.start()
                        say(f"import of {rows:,} rows started")
                    pages[0].wait_for_timeout(500)  # lets Playwright deliver the pages' events meanwhile
                importer.join(timeout=600)
                version = (done.get("report") or {}).get("data_version")
                if wait_for_walls and version is not None:
                    until(pages, "v => window.__gb.marks.length > 1 && window.__gb.marks.some(m => m[2] >= v)",
                          version, errors, "did not show the import")
                say("collecting")
                marks = [page.evaluate("window.__gb.marks") for page in pages]
                (work / "marks.json").write_text(json.dumps({"marks": marks, "opened_at": opened_at, "done": done},
                                                            default=str), encoding="utf-8")
                for i, page in enumerate(pages):
                    if page.evaluate("!!document.querySelector('[data-testid=\"stException\"]')"):
                        errors.append(f"wall {i}: Streamlit exception on the page")
                if keep is not None:  # best effort: a starved renderer may not answer in time
                    for i in (0, len(pages) - 1):
                        with contextlib.suppress(Exception):
                            pages[i].screenshot(path=str(work / f"wall{i}.png"), timeout=60_000)
                closing.set()
                computed_after = get_json(url + "/api/v1/health").get("wall_computations")
                context.close()
                browser.close()
        finally:
            sampler.stop.set()
            sampler.join()
            stop_server(proc)
        result.errors = errors
        summarise(result, marks, opened_at, done, sampler)
        if computed_before is not None and computed_after is not None:
            result.wall_computations = computed_after - computed_before
        return result
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def summarise(result: Result, marks: list[list[list[Any]]], opened_at: list[float], done: dict[str, Any],
              sampler: Sampler) -> None:
    firsts, intervals, steady = [], [], []
    seen_answer, seen_start = [], []
    version = (done.get("report") or {}).get("data_version")
    result.import_status = done.get("status")
    result.import_version = version
    if "end" in done:
        result.import_seconds = round(done["end"] - done["start"], 2)
    showing = refreshed = 0
    for i, wall in enumerate(marks):
        times = [m[0] / 1000 for m in wall]
        result.wall_runs += len(times)
        if times:
            firsts.append(times[0] - opened_at[i])
        intervals.extend(b - a for a, b in zip(times, times[1:], strict=False))
        steady.extend(b - a for a, b in zip(times, times[1:], strict=False) if a >= done["clock"])
        refreshed += len(times) > 1
        result.refreshes += max(0, len(times) - 1)
        result.errors.extend(f"wall {i}: red stamp ({m[3]})" for m in wall if m[3] in ("error",))
        if version is not None:
            hit = next((m[0] / 1000 for m in wall if m[2] >= version), None)
            if hit is not None:
                showing += 1
                seen_answer.append(max(0.0, hit - done["end"]))
                seen_start.append(hit - done["start"])
    result.first_render_s = quantiles(firsts)
    result.refresh_interval_s = quantiles(steady)
    result.refresh_interval_all_s = quantiles(intervals)
    result.walls_refreshed = refreshed
    result.walls_showing_import = showing
    result.import_seen_after_answer_s = quantiles(seen_answer)
    result.import_seen_after_start_s = quantiles(seen_start)
    rss = [kb / 1024 for kb in sampler.rss_kb]
    result.rss_mb = {"max": round(max(rss), 1) if rss else None, "last": round(rss[-1], 1) if rss else None}
    if len(sampler.cpu_s) > 1:
        result.server_cpu_s = round(sampler.cpu_s[-1][1] - sampler.cpu_s[0][1], 1)
        result.wall_clock_s = round(sampler.cpu_s[-1][0] - sampler.cpu_s[0][0], 1)
    result.load_average = {"mean": round(statistics.mean(sampler.load), 2) if sampler.load else None,
                           "max": round(max(sampler.load), 2) if sampler.load else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--walls", type=int, default=30, choices=range(1, 61), metavar="N (1-60)")
    p.add_argument("--refresh", type=int, default=5, choices=range(5, 3601), metavar="SECONDS (5-3600)")
    p.add_argument("--seconds", type=float, default=120, help="how long the walls stay open (at most 1800)")
    p.add_argument("--rows", type=int, default=20_000, help="rows of the analyst's import (at most 200,000)")
    p.add_argument("--import-after", dest="import_after", type=float, default=40)
    p.add_argument("--db", type=Path, default=None, help="database to copy (default: build the demo county)")
    p.add_argument("--cases", type=int, default=100_000, help="cases of the demo county built without --db")
    p.add_argument("--port", type=int, default=None, choices=PORTS, metavar=f"PORT ({PORTS.start}-{PORTS.stop - 1})")
    p.add_argument("--keep", type=Path, default=None, help="work folder to keep (server log, config, screenshots)")
    p.add_argument("--size", default="1920x1080", help="viewport of each wall, WIDTHxHEIGHT (the wall zooms to fit)")
    p.add_argument("--no-wait", dest="no_wait", action="store_true",
                   help="start the clock when the pages are opened, not when every wall has drawn")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if not 0 < args.seconds <= 1800 or not 0 < args.rows <= 200_000:
        print("error: --seconds must be in (0, 1800] and --rows in (0, 200000]", file=sys.stderr)
        return 2
    if args.db is not None and not args.db.is_file():
        print(f"error: no database file {args.db}", file=sys.stderr)
        return 2
    try:
        size = tuple(int(v) for v in args.size.lower().split("x"))
        assert len(size) == 2 and all(320 <= v <= 3840 for v in size)
    except (ValueError, AssertionError):
        print("error: --size must be WIDTHxHEIGHT, each 320-3840", file=sys.stderr)
        return 2
    result = run(args.walls, args.refresh, args.seconds, args.rows, args.import_after, args.db, args.cases,
                 args.port, args.keep, progress=not args.json, size=size,  # type: ignore[arg-type]
                 wait_for_walls=not args.no_wait)
    print(json.dumps(asdict(result), ensure_ascii=False, indent=None if args.json else 1))
    return 0 if not result.errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
