"""Load test of the wall screen: N kiosk walls at ?refresh=S plus one analyst importing R rows.

    python tools/loadtest.py [--walls 30] [--browser-walls 2] [--refresh 5] [--seconds 120] [--rows 20000]
                             [--import-after 40] [--db FILE] [--port 8660] [--json] [--keep DIR]

Bounded and local: it starts its own server (`streamlit run server.py` on 127.0.0.1:PORT) on a
copy of --db (or a freshly built demo county) with a config of its own in a temporary folder (an
analyst account with an API token, a kiosk token, the demo feed off), opens N walls at
/bigscreen?kiosk=TOKEN&refresh=S, POSTs one CSV of R new cases (reported in the last two hours,
open) to /api/v1/ingest after --import-after seconds, keeps the walls open --seconds in all, then
stops the walls and the server. Nothing outside the machine is contacted; the given database is
never written.

The N walls are two groups. K (--browser-walls, default 2) are pages of one headless Debian
Chromium (tools/browserwalls.py), measured on their own DOM, so what a person sees is checked; the
other N-K are protocol walls (tools/wsclient.py) that speak Streamlit's websocket protocol exactly
as the browser's frontend does, so the server carries N walls' load without N renderers on its
CPU (a county's 30 walls run on 30 machines). Both record every new run of the wall's freshness
stamp (data-run: the time of the fragment run that drew it; data-version: the data version it
shows). Reported for each group and for all walls: first render (opened -> first stamp), the
refresh interval (between two stamps of one wall), the time from the import's answer (and from its
start) until each wall showed its data version; and errors (page and console errors, HTTP >= 400,
closed websockets, Streamlit exceptions, red stamps), the server's resident memory (VmRSS, every
second) and CPU time, the load average, the protocol walls' own CPU time and bytes received, and
how many live computations the server ran (/api/v1/health `wall_computations`) against the runs
the walls drew.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
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
for _path in (ROOT, ROOT / "tools"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from browserwalls import CHROMIUM, BrowserWalls  # noqa: E402
from loadserver import PORTS, Sampler, free_port, get_json, start_server, stop_server  # noqa: E402
from wsclient import ProtocolWalls, WallRecord  # noqa: E402

from gridboard.core import auth, config  # noqa: E402
from gridboard.db import store  # noqa: E402
from gridboard.server import kiosk, tokens  # noqa: E402

WAIT_S = 300  # the longest a condition is waited for (a loaded shared machine), not a speed limit
__all__ = ["CHROMIUM", "run", "main"]


@dataclass
class Result:
    walls: int
    refresh_s: int
    seconds: float
    rows: int
    browser_walls: int = 0
    protocol_walls: int = 0
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
    wall_runs: int = 0  # fragment runs the walls drew (first renders and refreshes)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # the same figures for "browser", "protocol"
    errors: list[str] = field(default_factory=list)
    rss_mb: dict[str, float | None] = field(default_factory=dict)
    load_average: dict[str, float | None] = field(default_factory=dict)
    server_cpu_s: float | None = None  # CPU seconds the server process used while the walls were open
    wall_clock_s: float | None = None  # how long that was
    wall_computations: int | None = None  # live computations the server ran meanwhile (shared)
    protocol_cpu_s: float | None = None  # CPU seconds the protocol walls' thread used (all of them)
    protocol_kb_per_run: float | None = None  # websocket bytes a protocol wall received per run it drew
    notes: list[str] = field(default_factory=list)


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


def run(walls: int = 30, refresh: int = 5, seconds: float = 120, rows: int = 20_000, import_after: float = 40,
        db: Path | None = None, cases: int = 100_000, port: int | None = None, keep: Path | None = None,
        progress: bool = False, size: tuple[int, int] = (1920, 1080), wait_for_walls: bool = False,
        browser_walls: int = 2) -> Result:
    """One load run (see the module's docstring). With `wait_for_walls` (the test) the clock starts
    once every wall has drawn, and the end waits (up to WAIT_S) until every wall has refreshed and
    shown the import: conditions, not durations, decide."""
    k = max(0, min(browser_walls, walls))
    result = Result(walls, refresh, seconds, rows, k, walls - k, machine=f"{os.cpu_count()} cores, {os.uname().machine}",
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
        path = f"/bigscreen?kiosk={wall_token}&refresh={refresh}"
        proc = start_server(work, db_copy, cfg, port, work / "server.log")
        say(f"server up on {url} (pid {proc.pid}), work folder {work}")
        sampler = Sampler(proc.pid)
        sampler.start()
        computed_before = get_json(url + "/api/v1/health").get("wall_computations")
        browser = BrowserWalls(k, url, path, size)
        protocol = ProtocolWalls(walls - k, url, path, first_index=k)
        done: dict[str, Any] = {}
        try:
            protocol.start()  # its own thread: the walls open while the browser's pages open
            browser.start()
            say(f"{walls} walls opened ({k} in Chromium, {walls - k} over the protocol)")
            if wait_for_walls:
                missing = wait_all(browser, protocol, "() => window.__gb.marks.length > 0", None,
                                   lambda r: bool(r.marks), "never drew", result.errors)
                say(f"{walls - missing} of {walls} walls have drawn")
            done["clock"] = time.time()
            t_open = time.monotonic()

            def analyst() -> None:
                done["start"] = time.time()
                done["status"], done["report"] = post_file(url + "/api/v1/ingest?table=cases", api_token, body,
                                                           "load.csv")
                done["end"] = time.time()

            importer = threading.Thread(target=analyst, daemon=True)
            while time.monotonic() - t_open < seconds:
                if importer.ident is None and time.monotonic() - t_open >= import_after:
                    importer.start()
                    say(f"import of {rows:,} rows started")
                browser.pump(500)  # lets Playwright deliver the pages' events meanwhile
            if importer.ident is not None:
                importer.join(timeout=600)
            version = (done.get("report") or {}).get("data_version")
            if wait_for_walls and version is not None:
                wait_all(browser, protocol, "v => window.__gb.marks.length > 1 && window.__gb.marks.some(m => m[2] >= v)",
                         version, lambda r: len(r.marks) > 1 and any(m[2] >= version for m in r.marks),
                         "did not show the import", result.errors)
            say("collecting")
            if keep is not None:
                browser.screenshots(work)
            computed_after = get_json(url + "/api/v1/health").get("wall_computations")
        finally:
            protocol.stop()
            records = browser.collect() if browser.pages else []
            browser.close()
            sampler.stop.set()
            sampler.join()
            stop_server(proc)
        records = records + protocol.records
        (work / "marks.json").write_text(json.dumps({"records": [asdict(r) for r in records], "done": done},
                                                    default=str), encoding="utf-8")
        summarise(result, records, done, sampler)
        result.protocol_cpu_s = None if protocol.cpu_s is None else round(protocol.cpu_s, 2)
        received = sum(r.bytes_received for r in protocol.records)
        runs = sum(len(r.marks) for r in protocol.records)
        result.protocol_kb_per_run = round(received / 1024 / runs, 1) if runs else None
        result.notes = sorted({n for r in protocol.records for n in r.notes})
        if computed_before is not None and computed_after is not None:
            result.wall_computations = computed_after - computed_before
        return result
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def wait_all(browser: BrowserWalls, protocol: ProtocolWalls, js: str, arg: Any, check: Any, failure: str,
             errors: list[str]) -> int:
    """Wait (at most WAIT_S for each group) until a condition holds on every wall, a wall where it
    does not is an error; how many walls missed it."""
    missing = browser.wait_until(js, arg, WAIT_S) + protocol.wait_until(check, WAIT_S)
    errors.extend(f"wall {i}: {failure} within {WAIT_S} s" for i in missing)
    return len(missing)


def figures(records: list[WallRecord], done: dict[str, Any]) -> dict[str, Any]:
    """The walls' figures (see Result) from their records and the import's times."""
    firsts, intervals, steady, seen_answer, seen_start = [], [], [], [], []
    version = (done.get("report") or {}).get("data_version")
    out: dict[str, Any] = {"walls": len(records), "wall_runs": 0, "refreshes": 0, "walls_refreshed": 0,
                           "walls_showing_import": 0}
    for record in records:
        times = [m[0] / 1000 for m in record.marks]
        out["wall_runs"] += len(times)
        if times:
            firsts.append(times[0] - record.opened_at)
        pairs = list(zip(times, times[1:], strict=False))
        intervals.extend(b - a for a, b in pairs)
        steady.extend(b - a for a, b in pairs if a >= done.get("clock", 0))
        out["walls_refreshed"] += len(times) > 1
        out["refreshes"] += max(0, len(times) - 1)
        hit = next((m[0] / 1000 for m in record.marks if m[2] >= version), None) if version is not None else None
        if hit is not None and "end" in done:
            out["walls_showing_import"] += 1
            seen_answer.append(max(0.0, hit - done["end"]))
            seen_start.append(hit - done["start"])
    out.update(first_render_s=quantiles(firsts), refresh_interval_s=quantiles(steady),
               refresh_interval_all_s=quantiles(intervals), import_seen_after_answer_s=quantiles(seen_answer),
               import_seen_after_start_s=quantiles(seen_start))
    return out


def summarise(result: Result, records: list[WallRecord], done: dict[str, Any], sampler: Sampler) -> None:
    result.import_status = done.get("status")
    result.import_version = (done.get("report") or {}).get("data_version")
    if "end" in done:
        result.import_seconds = round(done["end"] - done["start"], 2)
    for record in records:
        result.errors.extend(record.errors)
        result.errors.extend(f"wall {record.index}: red stamp ({m[3]})" for m in record.marks if m[3] == "error")
    for key, value in figures(records, done).items():
        if key != "walls":
            setattr(result, key, value)
    k = result.browser_walls
    result.groups = {"browser": figures(records[:k], done), "protocol": figures(records[k:], done)}
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
    p.add_argument("--browser-walls", dest="browser_walls", type=int, default=2, choices=range(0, 61),
                   metavar="K (0-60, at most N)", help="walls drawn by a real Chromium; the rest speak the protocol")
    p.add_argument("--refresh", type=int, default=5, choices=range(5, 3601), metavar="SECONDS (5-3600)")
    p.add_argument("--seconds", type=float, default=120, help="how long the walls stay open (at most 1800)")
    p.add_argument("--rows", type=int, default=20_000, help="rows of the analyst's import (at most 200,000)")
    p.add_argument("--import-after", dest="import_after", type=float, default=40)
    p.add_argument("--db", type=Path, default=None, help="database to copy (default: build the demo county)")
    p.add_argument("--cases", type=int, default=100_000, help="cases of the demo county built without --db")
    p.add_argument("--port", type=int, default=None, choices=PORTS, metavar=f"PORT ({PORTS.start}-{PORTS.stop - 1})")
    p.add_argument("--keep", type=Path, default=None, help="work folder to keep (server log, config, screenshots)")
    p.add_argument("--size", default="1920x1080", help="viewport of each browser wall, WIDTHxHEIGHT")
    p.add_argument("--no-wait", dest="no_wait", action="store_true",
                   help="start the clock when the walls are opened, not when every wall has drawn")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if not 0 < args.seconds <= 1800 or not 0 < args.rows <= 200_000:
        print("error: --seconds must be in (0, 1800] and --rows in (0, 200000]", file=sys.stderr)
        return 2
    if args.browser_walls > args.walls:
        print("error: --browser-walls must be at most --walls", file=sys.stderr)
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
                 wait_for_walls=not args.no_wait, browser_walls=args.browser_walls)
    print(json.dumps(asdict(result), ensure_ascii=False, indent=None if args.json else 1))
    return 0 if not result.errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
