"""The metric catalogue (gridboard/core/catalog.py) walked whole on a small demo county (issue #10 item 4).

For every count and every rate, for the county and for one town: the list of cases behind the
numerator (metrics/drill.case_list and metrics/kpi_cases, the lists a click opens) holds exactly the
numerator's rows, and the denominator's list the denominator's; each rate is numerator / denominator
and each duration the quantile of its list's own durations. Every metric key is in
`gridboard kpis --json` and has labels in both languages (core/fmt). No predicate of the
catalogue is written out again in gridboard/ outside the files listed in ALLOWED, each with its reason.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from app_support import cli_json

from gridboard.core import catalog, fmt
from gridboard.db import store
from gridboard.demo import county
from gridboard.metrics import drill, engine, kpi_cases

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.datetime(2026, 3, 20, 15, 30)
WINDOW = {"start": dt.datetime(2025, 10, 1), "end": dt.datetime(2026, 3, 21), "as_of": AS_OF}
BIG = 100_000  # a page larger than any list here


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "demo.duckdb"
    county.build_file(path, cases=20_000, seed=7, as_of=AS_OF, outline=None)
    return path


@pytest.fixture(scope="module")
def con(demo: Path) -> duckdb.DuckDBPyConnection:
    c = store.connect(demo, read_only=True)
    _LISTS.clear()  # the lists read below belong to this database
    _READ.clear()
    yield c
    c.close()


@pytest.fixture(scope="module", params=["county", "town"])
def figures(request, con) -> tuple[str | None, dict]:
    """The county, or the town whose smallest count is largest (a rare count such as overdue_open
    must not be 0 there, or its check would prove little)."""
    if request.param == "county":
        return None, engine.kpis(con, **WINDOW, detail=True)
    towns = {t: engine.kpis(con, **WINDOW, unit=t, detail=True) for t, _ in county.TOWNS}
    town = max(towns, key=lambda t: min(towns[t][c.key] for c in catalog.COUNTS))
    return town, towns[town]


_LISTS: dict[tuple[str, str, str | None], tuple[int, set[str]]] = {}
_READ: dict[tuple[str, str | None], set[str]] = {}  # (SQL predicate, unit) → the ids of a list read whole


def listed(con, key: str, part: str, unit: str | None) -> tuple[int, set[str]]:
    """The case list behind (key, part) for `unit`: its total and ids, with its checks made once for
    the module (every count test also reads the `received` list). A rate's numerator or denominator
    whose SQL predicate is a count's, already read whole, is not read whole again: its total (from
    the aggregates, by its own key) must be that list's length, and its first row one of those."""
    if (key, part, unit) in _LISTS:
        return _LISTS[key, part, unit]
    predicate = drill.PREDICATES[key][0 if part == "numerator" else 1]
    ids = _READ.get((predicate, unit))
    if ids is None:
        found = drill.case_list(con, **WINDOW, unit=unit, metric=key, part=part, limit=BIG)  # type: ignore[arg-type]
        ids = set(found.rows["case_id"])
        assert len(ids) == len(found.rows) == found.total, f"{key} {part}: the list's rows are its total, once each"
        _READ[predicate, unit] = ids
    else:
        found = drill.case_list(con, **WINDOW, unit=unit, metric=key, part=part, limit=1)  # type: ignore[arg-type]
        assert found.total == len(ids) and set(found.rows["case_id"]) <= ids, f"{key} {part}: the same list"
    # the KPI pages' own lists (tiles, breakdown cells) agree
    assert kpi_cases.count(con, kpi_cases.Query(key, part), **WINDOW, unit=unit) == found.total
    _LISTS[key, part, unit] = (found.total, ids)
    return found.total, ids


def test_the_small_demo_has_something_in_every_count(figures):
    unit, k = figures
    for c in catalog.COUNTS:
        assert k[c.key] > 0, f"{c.key} is 0 for {unit or 'the county'}: the check below would prove little"


@pytest.mark.parametrize("count", catalog.COUNTS, ids=lambda c: c.key)
def test_every_count_has_exactly_its_rows_behind_it(con, figures, count):
    unit, k = figures
    total, ids = listed(con, count.key, "numerator", unit)
    assert total == k[count.key]
    received, all_ids = listed(con, "received", "numerator", unit)
    assert ids <= all_ids and received == k["received"]


@pytest.mark.parametrize("metric", [m for m in catalog.METRICS if m.kind == "rate"], ids=lambda m: m.key)
def test_every_rate_is_its_numerator_list_over_its_denominator_list(con, figures, metric):
    unit, k = figures
    num, num_ids = listed(con, metric.key, "numerator", unit)
    den, den_ids = listed(con, metric.key, "denominator", unit)
    assert (num, den) == (k[metric.numerator], k[metric.denominator])
    assert num_ids <= den_ids, f"{metric.key}: every numerator case is a denominator case"
    assert k[metric.key] == pytest.approx(num / den)


@pytest.mark.parametrize("metric", [m for m in catalog.METRICS if m.quantile is not None], ids=lambda m: m.key)
def test_every_duration_is_the_quantile_of_its_list(con, figures, metric):
    unit, k = figures
    rows = drill.case_list(con, **WINDOW, unit=unit, metric=metric.key, limit=BIG).rows
    assert len(rows) == k[metric.numerator]
    end = rows["responded_at"] if metric.kind == "minutes" else rows["closed_at"]
    values = ((end - rows["reported_at"]).dt.total_seconds() / (60.0 if metric.kind == "minutes" else 3600.0))
    assert k[metric.key] == pytest.approx(float(values.quantile(metric.quantile, interpolation="linear")))


@pytest.mark.parametrize("metric", [m for m in catalog.METRICS if m.kind == "count"], ids=lambda m: m.key)
def test_every_count_metric_is_its_count(figures, metric):
    _, k = figures
    assert metric.numerator == metric.key or k[metric.key] == k[metric.numerator]


def test_every_metric_key_is_in_the_cli_json_and_has_labels(demo, tmp_path):
    copy = tmp_path / "cli.duckdb"  # this module holds the demo file open
    shutil.copy(demo, copy)
    # in-process (app_support.cli_json): the JSON's keys are the point, not the process boundary
    shown = cli_json("kpis", "--db", str(copy), "--from", "2025-10-01", "--to", "2026-03-21",
                     "--as-of", "2026-03-20T15:30", "--json")
    shown = shown.get("kpis", shown) if isinstance(shown, dict) else shown
    for m in catalog.METRICS:
        assert m.key in shown, f"{m.key} missing from kpis --json"
        assert fmt.metric_label(m.key, "zh") == m.zh and fmt.metric_label(m.key, "en") == m.en
        assert m.zh and m.en and m.short("zh") and m.short("en")
        assert fmt.metric(m.key, None) == "—"


# --- each predicate written once ------------------------------------------------------------------

# Files allowed to spell a catalogue predicate out, and why. Everything else must read the catalogue.
ALLOWED: dict[str, str] = {
    "gridboard/core/catalog.py": "the definitions themselves",
    "gridboard/db/sql/kpi_funnel.sql": "the funnel's stages (responded, closed, satisfied) counted in one pass "
                                       "beside dispatched; kpi_cases lists those stages with the catalogue's texts",
    "gridboard/db/sql/kpi_ageing.sql": "overdue ageing buckets: the open-and-overdue part of OVERDUE_OPEN, bucketed",
    "gridboard/db/sql/gaps_recurrence.sql": "repeat cases at one place: closed cases, not a KPI count",
    "gridboard/db/sql/bigscreen_hourly.sql": "the wall's closed-per-hour chart: closings in a time window, not a cohort",
    "gridboard/db/sql/feed_to_callback.sql": "the live demo feed picks closed cases to call back",
    "gridboard/db/sql/demo_summary.sql": "the demo build's own summary line (open and overdue at as_of)",
    "gridboard/ranking/league.py": "the ranking's 'what lost points' lists are the catalogue's conditions negated",
    "gridboard/db/sql/fields_present.sql": "whether any case in the database holds a satisfaction value at all "
                                           "(a rate's source field is absent): a probe of the column, not a count",
}
# Each predicate of the catalogue, and the duration expressions, as a pattern that also finds it with
# another table alias, other spacing or a negation around it.
PATTERNS = {
    "closed": r"closed_at\s*<=\s*\$as_of",
    "responded": r"responded_at\s*<=\s*\$as_of",
    "due_passed": r"due_at\s*<=\s*\$as_of",
    "overdue": r"due_at\s*<\s*\$as_of",
    "closed_on_time": r"closed_at\s*<=\s*\w*\.?due_at",
    "satisfied": r"satisfaction\s+IN\s*\(\s*'satisfied',\s*'basic'\s*\)",
    "surveyed": r"satisfaction\s+IS\s+NOT\s+NULL",
    "in_grid": r"handled_level\s*(=|IS DISTINCT FROM)\s*'grid'",
    "response_minutes": r"epoch\(\w*\.?responded_at\)\s*-\s*epoch\(\w*\.?reported_at\)",
    "close_hours": r"epoch\(\w*\.?closed_at\)\s*-\s*epoch\(\w*\.?reported_at\)",
}


def _code(path: Path) -> str:
    """The file without comments (a comment may name a definition)."""
    marker = "--" if path.suffix == ".sql" else "#"
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        text = re.sub(r'"""(.|\n)*?"""', "", text)
    return "\n".join(line.split(marker, 1)[0] for line in text.splitlines())


def test_each_predicate_is_written_in_the_catalogue_only():
    for name, pattern in PATTERNS.items():
        assert re.search(pattern, _code(ROOT / "gridboard/core/catalog.py")), f"{name} pattern matches nothing"
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "gridboard").rglob("*")):
        if path.suffix not in (".py", ".sql"):
            continue
        rel = path.relative_to(ROOT).as_posix()
        code = _code(path)
        for name, pattern in PATTERNS.items():
            if re.search(pattern, code):
                found.setdefault(rel, set()).add(name)
    stray = {rel: sorted(names) for rel, names in found.items() if rel not in ALLOWED}
    assert not stray, f"catalogue predicates written again outside core/catalog.py: {stray}"
