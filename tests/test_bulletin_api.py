"""The bulletin through the running server that holds the database: GET /api/v1/bulletin answers a
.docx (or the printable HTML) whose figures equal the same server's /api/v1/kpis for the month, bad
requests get a 4xx with a reason, and `python -m gridboard bulletin --server URL --token T` writes
the same files."""

from __future__ import annotations

import io
import json
import urllib.request

import docx
import pytest
from cli_support import run_main
from test_api_server import Live, request

from gridboard.bulletin import dates
from gridboard.core import config

AS_OF = config.load().now().strftime("%Y-%m-%dT%H:00:00")
MONTH = dates.recent_months(config.load().now())[1]  # the last whole month (the hand-made county has 60 days)


@pytest.fixture(scope="module")
def live(live_server: Live) -> Live:
    """The session's live server (conftest live_server: the small county, its accounts and tokens).
    Other modules may have added rows to it: every figure here is compared with the same server's
    /api/v1/kpis at the time."""
    return live_server


def month_kpis(live: Live) -> dict:
    start, end = dates.month_bounds(MONTH)
    status, body, _ = live.api("GET", f"/api/v1/kpis?from={start:%Y-%m-%d}&to={end:%Y-%m-%d}&as_of={AS_OF}", live.leader)
    assert status == 200, body
    return body


def test_bulletin_docx_from_the_server_quotes_its_kpis(live):
    k = month_kpis(live)
    assert k["received"] > 0
    req = urllib.request.Request(f"{live.url}/api/v1/bulletin?month={MONTH}&as_of={AS_OF}",
                                 headers={"Authorization": f"Bearer {live.leader}"})
    with urllib.request.urlopen(req, timeout=300) as resp:
        status, raw, headers = resp.status, resp.read(), resp.headers
    assert status == 200
    assert headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(raw)).paragraphs)
    assert f"全县共受理群众诉求{k['received']:,}件" in text
    assert f"按时办结率{k['on_time_rate'] * 100:.1f}%" in text


def test_bulletin_html_from_the_server(live):
    k = month_kpis(live)
    status, body, headers = request("GET", f"{live.url}/api/v1/bulletin?month={MONTH}&as_of={AS_OF}&format=html&unit=T2",
                                    live.leader)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "东湖镇网格化社会治理工作通报" in body and "<script" not in body
    assert k["received"] > 0


@pytest.mark.parametrize(("query", "status", "message"), [
    (f"month={MONTH}", 401, "bearer"),
    ("month=2026-13", 400, "not a month"),
    (f"month={MONTH}&unit=NOPE", 400, "unknown unit"),
    (f"month={MONTH}&format=pdf", 400, "docx or html"),
    (f"month={MONTH}&colour=red", 400, "unknown parameter"),
    ("", 400, "month"),
])
def test_bad_requests_say_why(live, query, status, message):
    token = None if status == 401 else live.leader
    got, body, _ = request("GET", f"{live.url}/api/v1/bulletin?{query}", token)
    assert got == status
    assert message in (body["error"] if isinstance(body, dict) else json.loads(body)["error"])


def test_cli_through_the_server(live, tmp_path, monkeypatch):
    """The command as a real process; its refusal of a bad unit in this process (its own main)."""
    k = month_kpis(live)
    out, html = tmp_path / "b.docx", tmp_path / "b.html"
    run = live.cli("bulletin", "--month", MONTH, "--as-of", AS_OF, "--out", str(out), "--html", str(html),
                   "--server", live.url, "--token", live.leader)
    assert run.returncode == 0, run.stderr
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert f"全县共受理群众诉求{k['received']:,}件" in text
    assert f"全县共受理群众诉求{k['received']:,}件" in html.read_text(encoding="utf-8")
    for name, value in live.env.items():
        monkeypatch.setenv(name, value)
    bad = run_main("bulletin", "--month", MONTH, "--unit", "NOPE", "--out", str(tmp_path / "x.docx"),
                   "--server", live.url, "--token", live.leader)
    assert bad.returncode == 2 and "unknown unit" in bad.stderr and not (tmp_path / "x.docx").exists()
