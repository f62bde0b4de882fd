"""The monthly bulletin (月度通报): the .docx written by the CLI quotes the figures of `kpis --json` for
the same month, 环比/同比 are computed against the previous month and the same month last year (by
hand here), a rate with no data reads "—" / "无可比数据", templates are editable and checked, sections
switch off, the printable HTML fetches nothing and escapes every text, and charts are PNGs drawn in a
CJK font. One demo county (20,000 cases, as_of fixed) per module.

The first bulletin is written by a real `python -m gridboard bulletin` process; the other commands
(`kpis --json`, the town and any-period bulletins, the bad inputs) run in this process through the
CLI's own main (tests/cli_support.py), where an escaping exception fails the test as a traceback would.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import docx
import pytest
from cli_support import run_main, run_process

from gridboard import cli as gridboard_cli
from gridboard.bulletin import charts, content, dates, page, templates, word
from gridboard.core import config
from gridboard.db import store
from gridboard.demo import county
from gridboard.metrics import engine

AS_OF = dt.datetime(2026, 11, 20, 10, 0)
MONTH = "2026-10"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulletin") / "county.duckdb"
    county.build_file(path, cases=20_000, seed=11, as_of=AS_OF, outline=Path(str(config.load()["county_outline"])))
    return path


@pytest.fixture(scope="module")
def con(demo: Path):
    c = store.connect(demo, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def october(con):
    """The county's October bulletin with the default templates, built once (the tests only read it)."""
    start, end = dates.month_bounds(MONTH)
    return content.build(con, start=start, end=end, as_of=AS_OF, overrides={})


cli = run_main  # the command in this process; run_process for the one real process


def kpis_json(db: Path, start: str, end: str, unit: str | None = None) -> dict:
    extra = ["--unit", unit] if unit else []
    run = cli("kpis", "--db", str(db), "--from", start, "--to", end, "--as-of", f"{AS_OF:%Y-%m-%dT%H:%M}", "--json",
              *extra)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def change_count(cur: int, prev: int, label: str) -> str:
    p = (cur - prev) / prev * 100
    return f"{label}持平" if f"{abs(p):.1f}" == "0.0" else f"{label}{'上升' if p > 0 else '下降'}{abs(p):.1f}%"


def change_rate(cur: float, prev: float, label: str) -> str:
    d = (cur - prev) * 100
    return f"{label}持平" if f"{abs(d):.1f}" == "0.0" else f"{label}{'上升' if d > 0 else '下降'}{abs(d):.1f}个百分点"


def docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        parts.extend(" | ".join(c.text for c in row.cells) for row in t.rows)
    return "\n".join(parts)


def test_cli_docx_quotes_the_kpis_json_figures_of_the_month(demo, tmp_path):
    out, html = tmp_path / "bulletin.docx", tmp_path / "bulletin.html"
    run = run_process("bulletin", "--db", str(demo), "--month", MONTH, "--as-of", f"{AS_OF:%Y-%m-%dT%H:%M}",
              "--out", str(out), "--html", str(html))
    assert run.returncode == 0, run.stderr
    assert "wrote" in run.stdout and out.stat().st_size > 10_000 and html.stat().st_size > 10_000
    k = kpis_json(demo, "2026-10-01", "2026-11-01")
    before = kpis_json(demo, "2026-09-01", "2026-10-01")
    year_ago = kpis_json(demo, "2025-10-01", "2025-11-01")
    assert k["received"] > 500  # a whole month of the demo county
    text = docx_text(out)
    assert "全县网格化社会治理工作通报" in text and "（2026年10月）" in text
    assert f"全县共受理群众诉求{k['received']:,}件" in text
    assert f"已办结{k['closed']:,}件，办结率{pct(k['closure_rate'])}" in text
    assert f"按时办结率{pct(k['on_time_rate'])}" in text
    assert f"满意率{pct(k['satisfaction_rate'])}" in text
    assert f"回访率{pct(k['callback_rate'])}" in text
    assert f"小事不出网格率{pct(k['grid_resolved_rate'])}" in text
    assert f"返工率{pct(k['reopen_rate'])}" in text
    assert f"响应时长中位数{k['median_response_min']:.1f}分钟" in text
    # 环比 = September, 同比 = October 2025, computed here from the CLI's own numbers
    assert change_count(k["received"], before["received"], "环比") in text
    assert change_count(k["received"], year_ago["received"], "同比") in text
    assert change_rate(k["on_time_rate"], before["on_time_rate"], "环比") in text
    assert change_rate(k["satisfaction_rate"], year_ago["satisfaction_rate"], "同比") in text
    # the KPI table: the 受理量 row holds this month, last month and last year's month
    assert f"受理量 | {k['received']:,} | {before['received']:,} |" in text
    assert f"| {year_ago['received']:,} |" in text
    # charts are pictures in the Word file
    assert len(docx.Document(str(out)).inline_shapes) == 3
    assert "None" not in text and "nan" not in text


def test_town_bulletin_quotes_the_town_figures(demo, con, tmp_path):
    town = next(r for r in engine.breakdown(con, "child", start=AS_OF - dt.timedelta(days=60), end=AS_OF, as_of=AS_OF))
    out = tmp_path / "town.docx"
    run = cli("bulletin", "--db", str(demo), "--month", MONTH, "--unit", town["group_id"],
              "--as-of", f"{AS_OF:%Y-%m-%dT%H:%M}", "--out", str(out))
    assert run.returncode == 0, run.stderr
    k = kpis_json(demo, "2026-10-01", "2026-11-01", unit=town["group_id"])
    text = docx_text(out)
    assert f"{town['group_name']}网格化社会治理工作通报" in text
    assert f"{town['group_name']}共受理群众诉求{k['received']:,}件" in text
    assert f"按时办结率{pct(k['on_time_rate'])}" in text
    assert "各社区/村情况" in text


def test_numbers_are_the_engine_kpis_the_pages_show(con, october):
    start, end = dates.month_bounds(MONTH)
    b = october
    assert b.numbers == engine.kpis(con, start=start, end=end, as_of=AS_OF)
    keys = [s.key for s in b.sections]
    assert keys == list(content.SECTION_ORDER)
    assert [s.heading[:2] for s in b.sections[:3]] == ["一、", "二、", "三、"]


def test_no_comparable_data_reads_well(con):
    # the demo starts 2024-11-20: November 2024 has no previous month and no month a year before
    start, end = dates.month_bounds("2024-11")
    text = content.build(con, start=start, end=end, as_of=AS_OF, overrides={}).text()
    assert "环比无可比数据" in text and "同比无可比数据" in text
    assert "None" not in text and "nan" not in text
    # a month with no cases at all: one sentence, no rates
    start, end = dates.month_bounds("2020-03")
    empty = content.build(con, start=start, end=end, as_of=AS_OF, overrides={})
    assert "2020年3月，全县未受理群众诉求。" in empty.text()
    assert empty.numbers["closure_rate"] is None


@pytest.mark.parametrize(("kind", "cur", "prev", "expected"), [
    ("count", 875, 930, "环比下降5.9%"),
    ("count", 848, 800, "环比上升6.0%"),
    ("count", 5, 5, "环比持平"),
    ("count", 3, 0, "环比无可比数据"),
    ("count", 0, 0, "环比持平"),
    ("rate", 0.966, 0.973, "环比下降0.7个百分点"),
    ("rate", 0.95, None, "环比无可比数据"),
    ("rate", None, 0.9, "环比无可比数据"),
    ("rate", 0.9001, 0.9, "环比持平"),
    ("minutes", 31.9, 30.6, "环比延长1.3分钟"),
    ("hours", 8.9, 9.8, "环比缩短0.9小时"),
])
def test_change_phrases(kind, cur, prev, expected):
    assert templates.change(templates.load({}), kind, cur, prev, "mom") == expected


def test_values_in_text():
    assert templates.pct(0.9635) == "96.4%" and templates.pct(None) == "—"
    assert templates.value("count", 12345) == "12,345"
    assert templates.value("minutes", 12.25) == "12.2分钟"


def test_templates_override_sections_and_text(con):
    start, end = dates.month_bounds(MONTH)
    overrides = {"sections": {"economy": False, "volunteers": False},
                 "text": {"overview_volume": "{period}{scope}受理{received}件（{received_mom}）。"}}
    b = content.build(con, start=start, end=end, as_of=AS_OF, overrides=overrides)
    keys = [s.key for s in b.sections]
    assert "economy" not in keys and "volunteers" not in keys
    k = engine.kpis(con, start=start, end=end, as_of=AS_OF)
    assert b.sections[0].paragraphs[0].startswith(f"2026年10月全县受理{k['received']:,}件（环比")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"text": {"overveiw_volume": "x"}}, "overview_volume"),  # did-you-mean
    ({"texts": {}}, "分组"),
    ({"sections": {"economy": "no"}}, "true 或 false"),
    ({"text": {"overview_volume": "{received}{nonsense}"}}, "nonsense"),
    ({"text": {"overview_volume": "{received"}}, "模板格式有误"),
])
def test_bad_templates_are_refused_with_a_clear_message(overrides, message):
    with pytest.raises(templates.BulletinError, match=message):
        templates.load(overrides)


def test_gridboard_toml_bulletin_table_is_read(con, tmp_path, monkeypatch):
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text('[bulletin.sections]\ncategories = false\n[bulletin.headings]\novervoew = "x"\n', encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    start, end = dates.month_bounds(MONTH)
    with pytest.raises(templates.BulletinError, match="overview"):
        content.build(con, start=start, end=end, as_of=AS_OF)
    cfg.write_text('[bulletin.sections]\ncategories = false\n', encoding="utf-8")
    b = content.build(con, start=start, end=end, as_of=AS_OF)
    assert "categories" not in [s.key for s in b.sections]


def test_printable_html_fetches_nothing_and_escapes_text(con):
    start, end = dates.month_bounds(MONTH)
    b = content.build(con, start=start, end=end, as_of=AS_OF,
                      overrides={"headings": {"title": "<script>alert(1)</script>{scope}通报"}})
    html = page.document(b)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;全县通报" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert html.count('src="data:image/png;base64,') == 3
    assert "@page { size: A4" in html and "break-inside: avoid" in html
    assert '"Noto Serif CJK SC"' in html  # the style sheet is not HTML-escaped


def test_charts_are_pngs_in_a_cjk_font(october):
    assert "Noto Sans CJK" in charts.cjk_font()
    b = october
    found = [c for s in b.sections for c in s.charts]
    assert [c.key for c in found] == ["daily", "units", "categories"]
    daily = found[0]
    assert len(daily.labels) == 31 and sum(daily.series[0][1]) == b.numbers["received"]
    for c in found:
        data = charts.png(c)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_word_file_round_trips(con, tmp_path):
    start, end = dates.month_bounds(MONTH)
    b = content.build(con, start=start, end=end, as_of=AS_OF, overrides={"sections": {"overview": False}})
    path = tmp_path / "b.docx"
    path.write_bytes(word.to_bytes(b))
    d = docx.Document(str(path))
    assert d.sections[0].page_width.cm == pytest.approx(21.0, abs=0.01)
    assert d.sections[0].page_height.cm == pytest.approx(29.7, abs=0.01)
    headings = [p.text for p in d.paragraphs if re.match(r"^[一二三四五六七八九十]、", p.text)]
    assert headings[0] == "一、各镇街情况"


@pytest.mark.parametrize(("args", "message"), [
    (["--month", "2026-13", "--out", "x.docx"], "not a month"),
    (["--month", MONTH, "--unit", "NOPE", "--out", "x.docx"], "unknown unit"),
    (["--month", MONTH], "--out"),
    (["--month", MONTH, "--out", "x.pdf"], ".docx or .html"),
    (["--month", MONTH, "--from", "2026-10-01", "--to", "2026-10-08", "--out", "x.docx"], "not both"),
    (["--out", "x.docx"], "--month"),
])
def test_cli_bad_input_exits_2_and_writes_nothing(demo, tmp_path, args, message, monkeypatch, capsys):
    """In this process (the command's own main; the runs above are separate processes): an uncaught
    exception would fail the test as a traceback would."""
    monkeypatch.chdir(tmp_path)  # x.docx and x.pdf would land here
    assert gridboard_cli.main(["bulletin", "--db", str(demo), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("x.*"))


def test_cli_any_period_as_html(demo, tmp_path):
    out = tmp_path / "week.html"
    run = cli("bulletin", "--db", str(demo), "--from", "2026-10-05", "--to", "2026-10-12",
              "--as-of", f"{AS_OF:%Y-%m-%dT%H:%M}", "--out", str(out))
    assert run.returncode == 0, run.stderr
    k = kpis_json(demo, "2026-10-05", "2026-10-12")
    html = out.read_text(encoding="utf-8")
    assert "2026年10月5日至2026年10月11日" in html
    assert f"共受理群众诉求{k['received']:,}件" in html


def test_red_and_honour_lists_are_the_ranking_pages(con, october):
    from gridboard.ranking import gridindex, league

    start, end = dates.month_bounds(MONTH)
    b = october
    lists = next(s for s in b.sections if s.key == "lists")
    level = "grid" if lists.heading.endswith("网格红黑榜") else "community"
    settings = gridindex.settings_from(config.load())
    honour, red = league.honour_and_red(gridindex.scores(con, level, settings, start=start, end=end, as_of=AS_OF),
                                        content.LIST_SIZE)
    expected = [(u.rank, u.name, bool(getattr(u, "provisional", False))) for u in honour + red]
    shown = [(int(r[1]), r[2].removesuffix("（样本少）"), r[2].endswith("（样本少）")) for r in lists.tables[0].rows]
    assert shown == expected and honour
    ties = "（含并列）" if len(honour) > content.LIST_SIZE else ""
    assert lists.paragraphs[0].startswith(f"网格指数前{content.LIST_SIZE}名{ties}的")
