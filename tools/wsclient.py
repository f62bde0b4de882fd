"""A wall screen without a browser: Streamlit's websocket protocol spoken as the frontend speaks it.

Used by tools/loadtest.py to put thirty walls' load on the server without thirty renderers on the
same CPU. One `ProtocolWall` does what Streamlit 1.67's frontend (static/js/index.*.js,
ConnectionManager and App) does for /bigscreen, checked against frames recorded from a real
Chromium wall with Playwright (`page.on("websocket")` → `framesent`):

- GET the page (its `_streamlit_xsrf` cookie), /_stcore/health and /_stcore/host-config, then open
  /_stcore/stream with the subprotocols `streamlit, <xsrf token or PLACEHOLDER_AUTH_TOKEN>`, the
  page's Origin and cookies;
- send the first BackMsg `rerun_script` with the page's query string (kiosk token, refresh), an
  empty `widget_states`, `page_name` (the URL's path) and `context_info` (timezone, locale, url,
  colour scheme "light" until the app's theme says dark);
- keep every widget's value as the frontend's WidgetStateManager does (the sidebar's language,
  period and unit selectors report their values on every rerun; inactive ones are dropped when a
  full run finishes), the current page's script hash (from `navigation`), and the ForwardMsg cache
  (cacheable messages by hash, reported in `cached_message_hashes`, aged out after
  `max_cached_message_age` full runs; `ref_hash` messages are resolved from it);
- answer each `auto_rerun` (a run_every fragment) with a timer per fragment id that sends
  `rerun_script` with that fragment id and `is_auto_rerun` every interval, unconditionally as the
  frontend's setInterval does; `stop_auto_rerun` and every full run's `new_session` clear them;
- fetch each map outline URL in the deck's JSON once (the browser's cache does the same).

What it records, per wall: each new freshness stamp (`data-testid="bs-stamp"`: data-run,
data-version, data-state) in the same form as loadtest.OBSERVER's marks ([arrival ms, run,
version, state]), the time it was opened, Streamlit exceptions, page_not_found, script
compilation errors, refs to messages it does not hold, failed runs, sockets closed by the server,
bytes received and runs requested. Everything is bounded: 127.0.0.1 only, a frame size limit, a
stop event, and one asyncio loop on one thread for all the walls.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Origin, Subprotocol

MAX_FRAME = 64 * 1024 * 1024  # a wall's largest message is a few hundred KB
STAMP = re.compile(r'<div[^>]*data-testid="bs-stamp"[^>]*>')
ATTR = re.compile(r'data-(state|version|run)="([^"]*)"')
OUTLINE = re.compile(r'"(/wall/outlines/[^"?]+\.geojson\?d=[0-9a-zA-Z]+)"')
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class WallRecord:
    """What one protocol wall saw."""

    index: int
    opened_at: float = 0.0
    marks: list[list[Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runs_requested: int = 0
    bytes_received: int = 0
    messages: int = 0


def widget_value(kind: str, widget: Any) -> tuple[str, Any] | None:
    """(WidgetState field, value) the frontend reports for a widget element as the server sent it,
    None for triggers (buttons report only when clicked) and kinds the wall does not show."""
    if kind in ("button_group", "multiselect"):
        return "string_array_value", list(widget.raw_values)
    if kind in ("selectbox", "radio"):
        if widget.HasField("raw_value"):
            return "string_value", widget.raw_value
        if widget.HasField("default") and 0 <= widget.default < len(widget.options):
            return "string_value", widget.options[widget.default]
        return None
    if kind in ("checkbox", "toggle"):
        return "bool_value", bool(widget.value if widget.set_value else widget.default)
    if kind == "text_input":
        return "string_value", widget.value if widget.HasField("value") else widget.default
    return None


class ProtocolWall:
    """One wall screen over the websocket protocol (see the module's docstring)."""

    def __init__(self, index: int, base_url: str, path_query: str, *, locale: str = "zh-CN",
                 timezone: str = "UTC", on_mark: Callable[[], None] | None = None) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.hostname not in LOCAL_HOSTS:
            raise ValueError(f"protocol walls only talk to this machine, not {parts.hostname}")
        self.base, self.record = base_url.rstrip("/"), WallRecord(index)
        path, _, self.query = path_query.lstrip("/").partition("?")
        self.page_name, self.page_url = path, f"{self.base}/{path}"
        self.locale, self.timezone, self.on_mark = locale, timezone, on_mark
        self.page_hash = ""
        self.dark = False
        self.widgets: dict[str, tuple[str, Any]] = {}
        self.seen_widgets: set[str] = set()
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}
        self.max_age = 2
        self.full_runs = 0
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}
        self.fetched: set[str] = set()
        self.last_run: str | None = None
        self.fragment_run = False
        self.ws: Any = None

    # --- HTTP, as the page and the ConnectionManager do ------------------------------------------

    def _get(self, url: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(req, timeout=120) as resp:
            cookies = SimpleCookie()
            for value in resp.headers.get_all("Set-Cookie") or []:
                cookies.load(value)
            return resp.status, {k: m.value for k, m in cookies.items()}, resp.read()

    async def _open_page(self) -> dict[str, str]:
        _, cookies, _ = await asyncio.to_thread(self._get, f"{self.page_url}?{self.query}")
        for probe in ("_stcore/health", "_stcore/host-config"):
            await asyncio.to_thread(self._get, f"{self.base}/{probe}")
        return cookies

    async def _fetch_outlines(self, deck_json: str) -> None:
        for url in OUTLINE.findall(deck_json):
            if url not in self.fetched:  # the browser's cache keeps them while the digest holds
                self.fetched.add(url)
                try:
                    await asyncio.to_thread(self._get, self.base + url)
                except OSError as exc:
                    self.record.errors.append(f"wall {self.record.index}: outline {url}: {exc}")

    # --- BackMsg ---------------------------------------------------------------------------------

    def _rerun(self, fragment_id: str = "") -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.widget_states.SetInParent()
        for wid, (kind, value) in self.widgets.items():
            w = state.widget_states.widgets.add()
            w.id = wid
            if kind == "string_array_value":
                w.string_array_value.data.extend(value)
            else:
                setattr(w, kind, value)
        if self.page_hash:
            state.page_script_hash = self.page_hash
        else:
            state.page_name = self.page_name
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        state.cached_message_hashes.extend(self.cache)
        ctx = state.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale = self.timezone, 0, self.locale
        ctx.url, ctx.is_embedded, ctx.color_scheme = self.page_url, False, "dark" if self.dark else "light"
        self.record.runs_requested += 1
        return msg.SerializeToString()

    async def _every(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.ws.send(self._rerun(fragment_id))
            except ConnectionClosed:  # the receiver reports the closed socket
                return

    def _clear_timers(self, only: list[str] | None = None) -> None:
        for fid in list(self.timers) if only is None else only:
            entry = self.timers.pop(fid, None)
            if entry is not None:
                entry[1].cancel()

    # --- ForwardMsg ------------------------------------------------------------------------------

    def _error(self, text: str) -> None:
        self.record.errors.append(f"wall {self.record.index}: {text}")

    def _element(self, msg: ForwardMsg) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "exception":
            self._error(f"Streamlit exception {body.type}: {body.message[:200]}")
        elif kind == "html" and 'data-testid="bs-stamp"' in body.body:
            tag = STAMP.search(body.body)
            attrs = dict(ATTR.findall(tag.group(0))) if tag else {}
            run = attrs.get("run")
            if run is not None and run != self.last_run:  # as the DOM observer: each new run once
                self.last_run = run
                self.record.marks.append([time.time() * 1000, int(run), int(attrs.get("version", -1)),
                                          attrs.get("state")])
                if self.on_mark is not None:
                    self.on_mark()
        elif kind == "deck_gl_json_chart":
            asyncio.get_running_loop().create_task(self._fetch_outlines(body.json))
        wid = getattr(body, "id", "") if kind not in ("html", "markdown") else ""
        if wid:
            value = widget_value(kind, body)
            if value is not None:
                self.widgets[wid] = value
                self.seen_widgets.add(wid)
            elif kind not in ("button", "page_link", "download_button", "form_submit_button"):
                self.record.notes.append(f"widget kind {kind} not modelled")

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                self._error(f"reference to a message not cached ({msg.ref_hash})")
                return
            self.cache[msg.ref_hash] = (cached[0], self.full_runs)
            full = ForwardMsg()
            full.CopyFrom(cached[0])
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, "delta"
        if msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = (msg, self.full_runs)
        if kind == "new_session":
            self.fragment_run = bool(msg.metadata.run.fragment_ids)
            if not self.fragment_run:  # a full run: the frontend clears its auto-rerun timers
                self._clear_timers()
                self.seen_widgets = set()
                self.dark = msg.new_session.custom_theme.base == 1  # CustomThemeConfig.DARK
                self.max_age = msg.new_session.config.max_cached_message_age or self.max_age
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg)
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid and self.timers.get(fid, (None,))[0] != interval:
                self._clear_timers([fid])
                self.timers[fid] = (interval, asyncio.get_running_loop().create_task(self._every(fid, interval)))
        elif kind == "stop_auto_rerun":
            self._clear_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "page_not_found":
            self._error(f"page not found ({msg.page_not_found.page_name})")
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            self._error("script compilation exception")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self._error("script finished with a compile error")
            elif status == ForwardMsg.FINISHED_SUCCESSFULLY:  # a full run: drop inactive widgets, age the cache
                self.widgets = {k: v for k, v in self.widgets.items() if k in self.seen_widgets}
                self.full_runs += 1
                self.cache = {h: e for h, e in self.cache.items() if self.full_runs - e[1] <= self.max_age}

    async def run(self, stop: asyncio.Event) -> None:
        """Open the wall and keep it open until `stop` is set; errors go to the record."""
        self.record.opened_at = time.time()
        try:
            cookies = await self._open_page()
            xsrf = cookies.get("_streamlit_xsrf", "")
            ws_url = "ws" + self.base[len("http"):] + "/_stcore/stream"
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
            protocols = [Subprotocol("streamlit"), Subprotocol(xsrf or "PLACEHOLDER_AUTH_TOKEN")]
            async with connect(ws_url, subprotocols=protocols, origin=Origin(self.base), additional_headers=headers,
                               max_size=MAX_FRAME, open_timeout=300, ping_interval=None) as ws:
                self.ws = ws
                await ws.send(self._rerun())
                receiver = asyncio.ensure_future(self._receive(ws))
                stopper = asyncio.ensure_future(stop.wait())
                done, _ = await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
                for task in (receiver, stopper):
                    task.cancel()
                if receiver in done and not stop.is_set():
                    exc = receiver.exception() if not receiver.cancelled() else None
                    self._error(f"websocket closed by the server ({exc or 'no reason'})")
        except (TimeoutError, OSError, WebSocketException) as exc:
            if not stop.is_set():
                self._error(f"websocket failed: {type(exc).__name__}: {exc}")
        finally:
            self._clear_timers()

    async def _receive(self, ws: Any) -> None:
        async for frame in ws:
            data = frame if isinstance(frame, bytes) else frame.encode()
            self.record.bytes_received += len(data)
            self.record.messages += 1
            msg = ForwardMsg()
            try:
                msg.ParseFromString(data)
            except DecodeError:
                self._error(f"a frame that is not a ForwardMsg ({len(data)} bytes)")
                continue
            self._handle(msg)


class ProtocolWalls:
    """N protocol walls on one asyncio loop in a thread of their own (start, wait for, stop)."""

    def __init__(self, count: int, base_url: str, path_query: str, *, first_index: int = 0,
                 locale: str = "zh-CN") -> None:
        self.changed = threading.Condition()
        self.walls = [ProtocolWall(first_index + i, base_url, path_query, locale=locale, on_mark=self._notify)
                      for i in range(count)]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name="protocol-walls", daemon=True)
        self.cpu_s: float | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        cpu0 = time.thread_time()
        self._stop = asyncio.Event()
        self._ready.set()

        async def all_walls() -> None:
            tasks = []
            for wall in self.walls:  # opened one after another, as the browser group opens its tabs
                tasks.append(asyncio.ensure_future(wall.run(self._stop)))
                await asyncio.sleep(0)
            await asyncio.gather(*tasks)

        try:
            self.loop.run_until_complete(all_walls())
        finally:
            self.cpu_s = time.thread_time() - cpu0
            self.loop.close()
            self._notify()

    def start(self) -> None:
        self.thread.start()
        self._ready.wait()

    def stop(self, timeout: float = 60) -> None:
        if self._stop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(timeout)

    @property
    def records(self) -> list[WallRecord]:
        return [w.record for w in self.walls]

    def wait_until(self, condition: Callable[[WallRecord], bool], timeout: float) -> list[int]:
        """Wait (at most `timeout` s) until `condition` holds for every wall; the indexes where it does not."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                missing = [r.index for r in self.records if not condition(r)]
                left = deadline - time.monotonic()
                if not missing or left <= 0 or not self.thread.is_alive():
                    return missing
                self.changed.wait(min(left, 1.0))
