"""Wall screens in a real browser for tools/loadtest.py: K pages of one headless Debian Chromium.

What a person sees is checked here, on the DOM: every wall's freshness stamp carries data-run (the
time of the fragment run that drew it) and data-version (the data version it shows); a
MutationObserver in each page records when each new run reached the screen, in the same form as
the protocol walls' records (tools/wsclient.py: [ms, run, version, state]). Errors: page errors,
console errors, HTTP answers >= 400 (except Streamlit's own base-path probe), websockets closed
before the end, Streamlit exceptions on the page. Images are blocked; 127.0.0.1 only.
Playwright's sync API: everything here runs on the caller's thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

from wsclient import WallRecord

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]
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


class BrowserWalls:
    """`count` wall pages of one Chromium, opened by start(), read by collect(), closed by close()."""

    def __init__(self, count: int, url: str, path_query: str, size: tuple[int, int] = (1920, 1080),
                 first_index: int = 0) -> None:
        self.count, self.url, self.path_query, self.size, self.first = count, url, path_query, size, first_index
        self.records = [WallRecord(first_index + i) for i in range(count)]
        self.pages: list[Any] = []
        self.closing = threading.Event()
        self._pw: Any = None
        self._browser: Any = None

    def _error(self, i: int, text: str) -> None:
        self.records[i].errors.append(f"wall {self.first + i}: {text}")

    def start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = self._browser.new_context(viewport={"width": self.size[0], "height": self.size[1]}, locale="zh-CN")
        context.route("**/*", lambda route: route.abort() if route.request.resource_type == "image"
                      else route.continue_())
        context.add_init_script(OBSERVER)
        for i in range(self.count):
            page = context.new_page()
            page.on("pageerror", lambda exc, i=i: self._error(i, f"page error {exc}"))
            page.on("console", lambda msg, i=i: self._error(i, f"console {msg.text[:200]}")
                    if msg.type == "error" and not probe(msg.location.get("url", "")) else None)
            page.on("response", lambda resp, i=i: self._error(i, f"HTTP {resp.status} {resp.url}")
                    if resp.status >= 400 and not probe(resp.url) else None)
            page.on("websocket", lambda ws, i=i: ws.on(
                "close", lambda _ws: self._error(i, f"websocket closed {_ws.url}") if not self.closing.is_set() else None))
            self.records[i].opened_at = time.time()
            page.goto(f"{self.url}{self.path_query}", wait_until="commit")
            self.pages.append(page)

    def wait_until(self, condition: str, arg: Any, timeout: float) -> list[int]:
        """Wait (at most `timeout` s in all) until the JS `condition` holds on every page; the
        indexes of the walls where it does not."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        t0, missing = time.monotonic(), []
        for i, page in enumerate(self.pages):
            left = max(1.0, timeout - (time.monotonic() - t0))
            try:
                page.wait_for_function(condition, arg=arg, timeout=left * 1000)
            except PlaywrightTimeout:
                missing.append(self.first + i)
        return missing

    def pump(self, ms: float) -> None:
        """Let Playwright deliver the pages' events for `ms` milliseconds."""
        if self.pages:
            self.pages[0].wait_for_timeout(ms)
        else:
            time.sleep(ms / 1000)

    def collect(self) -> list[WallRecord]:
        """Every page's marks, and a Streamlit exception shown on a page as an error."""
        for i, page in enumerate(self.pages):
            self.records[i].marks = page.evaluate("window.__gb.marks")
            if page.evaluate("!!document.querySelector('[data-testid=\"stException\"]')"):
                self._error(i, "Streamlit exception on the page")
        return self.records

    def screenshots(self, folder: Path) -> None:
        """The first and the last page (best effort: a starved renderer may not answer in time)."""
        for i in sorted({0, len(self.pages) - 1} & set(range(len(self.pages)))):
            with contextlib.suppress(Exception):
                self.pages[i].screenshot(path=str(folder / f"wall{self.first + i}.png"), timeout=60_000)

    def close(self) -> None:
        self.closing.set()
        with contextlib.suppress(Exception):
            if self._browser is not None:
                self._browser.close()
        if self._pw is not None:
            self._pw.stop()
