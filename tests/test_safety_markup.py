"""No markup from outside (issue #14 item 4): text from a URL, a file or a database row reaches the
screen as text. fmt.escape_md is checked by rendering its output with a CommonMark parser; every
page runs through AppTest on a database whose names, titles, categories and activity types are
payloads, and every Markdown-bearing field of every element (bodies, labels, help texts) is
checked for a live link, colour directive, LaTeX, HTML tag, emphasis or invisible character."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from app_support import app_test
from browser_support import small_database
from google.protobuf.json_format import MessageToDict
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import config, fmt
from gridboard.db import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90

PHISH = "**账号异常** :red[请立即重新登录] [点此重新登录](http://evil.example/login)"
PAYLOADS = [
    PHISH,
    "$$\\LaTeX$$ and $x^2$",
    "<b>楼道</b><script>alert(1)</script><img src=x onerror=alert(1)>",
    "_斜体_ ~~删除~~ `代码` # 标题",
    "www.evil.example 与 http://evil.example/a 自动链接 admin@evil.example",
    "\u202egnp.exe\u202c 与 零\u200b宽\u200d字\ufeff符",
    ":material/warning: :smile: :blue-badge[假徽章]",
    "第一行\n# 第二行标题\n- 列表",
    "&lt;b&gt;已转义&lt;/b&gt; &amp; &#60;i&#62;",
]
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


MARKERS = ("账号异常", "LaTeX", "楼道", "斜体", "evil", "gnp", "假徽章", "第二行", "已转义")


def dangerous(source: str, *, own_bold: bool = False) -> list[str]:
    """What in Markdown `source` would not show as plain text in Streamlit (`own_bold`: the app's
    own **bold** around a value is fine, the payload's is not)."""
    found = []
    html = _MD.render(source)
    tags = ("<a ", "<em>", "<s>", "<del>", "<code>", "<h1", "<h2", "<li>", "<img", "<script", "<b>")
    for tag in (*tags, *(() if own_bold else ("<strong>",))):
        if tag in html:
            found.append(tag)
    checks = {
        "payload emphasis": r"(?<!\\)\*\*账号异常|(?<!\\)_斜体|(?<!\\)~~删除",
        "colour directive": r"(?<!\\):(red|blue|green|orange|violet|gray|grey|rainbow|primary)(-badge|-background)?\[",
        "icon": r"(?<!\\):material/warning",
        "emoji": r"(?<!\\):smile:",
        "latex": r"(?<!\\)\$",
        # GFM autolinks text after escapes are undone: an escaped "http\\:" still links
        "autolink": r"(?i)(https?|ftp)\\?:|www\\?\.|[a-z0-9]\\?@[a-z0-9]",
        "html": r"(?<!\\)<[a-z/]",
        "entity": r"(?<!\\)&(lt|gt|amp|#\d+);",
        "invisible": "[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]",
        "line break": r"\n\s*[#\-*]",
    }
    found += [name for name, pattern in checks.items() if re.search(pattern, source)]
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_md_leaves_only_text(payload):
    out = fmt.escape_md(payload)
    assert dangerous(out) == []
    # what the reader sees is what was written (less invisible characters, line breaks as spaces)
    shown = re.sub(r"<[^>]+>", "", _MD.render(out)).strip().replace(fmt.WORD_JOINER, "")
    import html as html_module

    expected = re.sub("[\u200b-\u200f\u202a-\u202e\ufeff]", "", payload).replace("\n", " ")
    assert html_module.unescape(shown) == expected


def test_the_issue_payload_is_dangerous_unescaped():
    """The checker itself fails on the raw payloads (so a page that forgets to escape fails)."""
    for payload in PAYLOADS[:7]:
        assert dangerous(payload), payload


def test_escape_md_once_is_not_double_escaping():
    assert _MD.render(fmt.escape_md("<b>x</b> & y")).strip() == "<p>&lt;b&gt;x&lt;/b&gt; &amp; y</p>"
    assert fmt.escape_md(None) == fmt.DASH


# --- every page, every notice ------------------------------------------------------------------


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    now = config.load().now()
    path = small_database(tmp_path_factory.mktemp("markup") / "markup.duckdb", now, cases=300, seed=4)
    con = store.connect(path)
    try:
        con.execute("UPDATE units SET name = $n WHERE unit_id = 'T1C1'", {"n": PHISH})
        con.execute("UPDATE units SET name = $n WHERE unit_id = 'T1C1G1'", {"n": PAYLOADS[1]})
        con.execute("UPDATE units SET name = $n WHERE unit_id = 'T2'", {"n": PAYLOADS[5]})
        for i, payload in enumerate(PAYLOADS):
            con.execute("UPDATE cases SET title = $t, category = $c WHERE case_id = $id",
                        {"t": payload, "c": payload[:30], "id": f"K{i:05d}"})
        start = now - dt.timedelta(days=3)
        for i, payload in enumerate(PAYLOADS):
            con.execute("INSERT INTO volunteers (volunteer_id, unit_id, name, is_party_member, team, registered_on)"
                        " VALUES ($id, 'T1C1G1', $n, true, $n, $d)", {"id": f"V{i}", "n": payload[:40], "d": start.date()})
            con.execute("INSERT INTO volunteer_services (service_id, volunteer_id, unit_id, activity_type, started_at,"
                        " hours, points) VALUES ($id, $v, 'T1C1G1', $a, $s, 2.0, 3)",
                        {"id": f"S{i}", "v": f"V{i}", "a": payload[:40], "s": start})
        store.bump_data_version(con)
    finally:
        con.close()
    return path


@pytest.fixture
def env(payload_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(payload_db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return payload_db


MARKDOWN_FIELDS = {"body", "label", "help", "placeholder", "caption"}


def markdown_texts(node: Any, out: list[str]) -> list[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in MARKDOWN_FIELDS and isinstance(value, str):
                out.append(value)
            else:
                markdown_texts(value, out)
    elif isinstance(node, list):
        for value in node:
            markdown_texts(value, out)
    return out


def shown_markdown(at: AppTest) -> list[str]:
    texts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success",
                 "toast", "metric", "button", "selectbox", "text_input", "segmented_control", "pills", "radio",
                 "expander", "tabs", "multiselect", "checkbox", "toggle"):
        for element in at.get(kind):
            proto = getattr(element, "proto", None)
            if proto is not None:
                markdown_texts(MessageToDict(proto), texts)
    return [t for t in texts if "html" not in t[:5]]


def problems(at: AppTest) -> list[tuple[str, list[str]]]:
    """Markdown texts on the page that carry a payload and would not show it as plain text."""
    texts = [t for t in shown_markdown(at) if any(m in t for m in MARKERS)]
    return [(text, bad) for text in texts if (bad := dangerous(text, own_bold=True))]


def started(query: dict[str, str] | None = None) -> AppTest:
    at = app_test(APP, TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def test_payloads_show_as_text_on_every_page(env):
    """Every page but the import page, opened in turn from one session filtered to the unit named
    with the phishing payload; each page's exception or problems are collected, then reported."""
    at = started()
    at.selectbox(key="f_unit_1").select("T1").run()
    at.selectbox(key="f_unit_2").select("T1C1").run()  # the unit named with the phishing payload
    found: dict[str, object] = {}
    # the wall last: it draws no sidebar, so the filter widgets' state would not outlive it
    pages = sorted((p for p in ui.PAGES if p.url_path != "import"), key=lambda p: p.url_path == "bigscreen")
    for spec in pages:
        at.switch_page(spec.path).run()
        assert at.session_state[ui.FILTERS_KEY].unit_id == "T1C1", spec.url_path
        if at.exception or problems(at):
            found[spec.url_path] = at.exception or problems(at)
    assert not found, found


def test_profile_unit_parameter_shows_as_plain_text(env):
    at = started({"unit": PHISH})
    at.switch_page("pages/profile.py").run()
    assert not at.exception, at.exception
    notice = [w.value for w in at.warning]
    assert len(notice) == 1 and "没有编码为" in notice[0]
    assert dangerous(notice[0]) == []
    assert "账号异常" in notice[0] and "evil" in notice[0]  # shown, as text
    assert problems(at) == []


def test_wall_refresh_parameter_is_bounded_and_ignored_with_a_notice(env):
    """Each bad ?refresh= value in turn on one wall session (the page reads its URL every run)."""
    at = started()
    at.switch_page("pages/bigscreen.py").run()
    assert not at.exception, at.exception
    assert not any("refresh" in t.value for t in at.toast), "no notice without the parameter"
    for value in ["inf", "1e309", "-5", "nan", "9" * 400, "", "五秒"]:
        at.query_params["refresh"] = value
        at.run()
        assert not at.exception, (value, at.exception)
        toasts = [t.value for t in at.toast]
        assert any("refresh" in t and "已忽略" in t for t in toasts), (value, toasts)
        assert problems(at) == [], value
