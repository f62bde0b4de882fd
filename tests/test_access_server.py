"""Access on the real st.App server (`streamlit run server.py`): security headers on every
response, /_stcore/metrics closed, Streamlit's upload endpoint only for signed-in analysts and
admins, the session cookie route, and in headless Chromium a login that survives a reload and a
new tab and ends with logout. Plus: the server asks nobody outside for its external IP."""

from __future__ import annotations

import datetime as dt
import http.server
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import CHROMIUM, LOGIN_FIELD, ROOT, SHOTS
from browser_support import TIMEOUT_MS as RENDER_TIMEOUT_MS
from test_api_server import Live

from gridboard.core import auth, sessions

SECURITY = {"x-frame-options": "SAMEORIGIN", "content-security-policy": "frame-ancestors 'self'",
            "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


@pytest.fixture(scope="module")
def live(live_server: Live) -> Live:
    """The session's live server (tests/conftest.py): its own session key file, the accounts of
    test_api_server.Live."""
    return live_server


def call(url: str, method: str = "GET", cookie: str | None = None, data: bytes | None = None):
    req = urllib.request.Request(url, method=method, data=data)
    if cookie:
        req.add_header("Cookie", f"{sessions.COOKIE_NAME}={cookie}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def cookie_for(live: Live, name: str, role: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A cookie signed with the server's key (the test shares its key file and config)."""
    monkeypatch.setenv("GRIDBOARD_SESSION_KEY", live.env["GRIDBOARD_SESSION_KEY"])
    monkeypatch.setenv("GRIDBOARD_CONFIG", live.env["GRIDBOARD_CONFIG"])
    return sessions.issue(auth.User(name, role))


def test_security_headers_on_every_response(live: Live) -> None:
    for path in ("/", "/overview", "/_stcore/health", "/api/v1/health", "/_stcore/metrics",
                 "/_stcore/upload_file/x/y", "/auth/session?ticket=nope", "/no-such-page"):
        method = "PUT" if "upload" in path else "GET"
        status, headers, _ = call(live.url + path, method, data=b"x" if method == "PUT" else None)
        for name, value in SECURITY.items():
            assert headers.get(name) == value, (path, status, name)


def test_metrics_closed(live: Live) -> None:
    assert call(live.url + "/_stcore/metrics")[0] == 404


def test_upload_endpoint_only_for_analysts_and_admins(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    url = live.url + "/_stcore/upload_file/not-a-session/file1"
    refused = (403, b"upload needs a signed-in analyst or admin")
    assert call(url, "PUT", data=b"a,b\n")[::2] == refused  # no session
    assert call(url, "DELETE")[::2] == refused
    assert call(url, "PUT", cookie="lead|leader|9999999999|00|forged", data=b"a,b\n")[::2] == refused
    leader = cookie_for(live, "lead", "leader", monkeypatch)
    assert call(url, "PUT", cookie=leader, data=b"a,b\n")[::2] == refused  # may not import
    analyst = cookie_for(live, "ana", "analyst", monkeypatch)
    status, _, body = call(url, "PUT", cookie=analyst, data=b"a,b\n")
    # past the guard: Streamlit itself refuses the made-up session (and the missing XSRF token)
    assert (status, body) != refused, body
    assert "upload refused" in (live.tmp / "server.log").read_text(encoding="utf-8")


def test_session_route_refuses_bad_tickets(live: Live) -> None:
    status, headers, _ = call(live.url + "/auth/session?ticket=made-up")
    assert status == 403 and "set-cookie" not in headers
    status, headers, _ = call(live.url + "/auth/logout")
    assert status == 204 and sessions.COOKIE_NAME in headers.get("set-cookie", "")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_login_survives_reload_and_new_tab_until_logout(browser, live: Live) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(live.url + "/overview")
    page.wait_for_selector(LOGIN_FIELD, timeout=RENDER_TIMEOUT_MS)
    page.get_by_label("用户名").fill("lead")
    page.get_by_label("密码").fill("pw")
    page.get_by_role("button", name="登录").click()
    logout = page.get_by_role("button", name="退出登录")
    logout.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function("() => true")
    # the browser fetched its cookie: HttpOnly, SameSite=Strict, expiring
    deadline = dt.datetime.now().timestamp() + 30
    while not (jar := [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]):
        assert dt.datetime.now().timestamp() < deadline, "no session cookie"
        page.wait_for_timeout(200)
    cookie = jar[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert 0 < cookie["expires"] - dt.datetime.now().timestamp() <= sessions.COOKIE_SECONDS
    assert page.evaluate("() => document.cookie").find(sessions.COOKIE_NAME) < 0  # not readable by scripts

    page.reload()
    page.get_by_role("button", name="退出登录").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator(LOGIN_FIELD).count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "access_after_reload_1366.png"))
    tab = context.new_page()
    tab.set_viewport_size({"width": 1920, "height": 1080})
    tab.goto(live.url + "/ranking")
    tab.get_by_role("button", name="退出登录").wait_for(timeout=RENDER_TIMEOUT_MS)
    tab.screenshot(path=str(SHOTS / "access_new_tab_1920.png"))
    tab.close()

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_selector(LOGIN_FIELD, timeout=RENDER_TIMEOUT_MS)
    deadline = dt.datetime.now().timestamp() + 30
    while [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]:
        assert dt.datetime.now().timestamp() < deadline, "cookie not cleared at logout"
        page.wait_for_timeout(200)
    page.reload()
    page.wait_for_selector(LOGIN_FIELD, timeout=RENDER_TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / "access_after_logout_1366.png"))
    context.close()


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Counter.hits.append(self.path)
        self.send_response(502)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _external_ip_lookup(load_server: bool, proxy: str) -> str:
    code = ("import runpy, sys\n"
            + ("runpy.run_path('server.py')\n" if load_server else "")
            + "from streamlit import net_util\nprint(repr(net_util.get_external_ip()))\n")
    env = {**os.environ, "http_proxy": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy,
           "HTTPS_PROXY": proxy, "NO_PROXY": "", "no_proxy": ""}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_no_external_ip_lookup(tmp_path: Path) -> None:
    """Every outbound request goes to a local proxy that counts them: streamlit alone asks it for
    checkip.amazonaws.com (the control), server.py's app asks nothing."""
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    try:
        _Counter.hits.clear()
        _external_ip_lookup(False, url)
        assert any("checkip" in h for h in _Counter.hits), _Counter.hits  # the test can see one
        _Counter.hits.clear()
        out = _external_ip_lookup(True, url)
        assert _Counter.hits == [] and out.strip() == "''"
    finally:
        proxy.shutdown()
