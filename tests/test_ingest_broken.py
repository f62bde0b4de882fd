"""Every broken file in tests/data/broken/ gets a clear Chinese message and changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ingest_support import content_hash, small_county

from gridboard.ingest import pipeline

BROKEN = Path(__file__).resolve().parent / "data" / "broken"
MANIFEST = json.loads((BROKEN / "manifest.json").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_there_are_at_least_25_broken_files() -> None:
    assert len(MANIFEST) >= 25
    assert all((BROKEN / name).is_file() for name in MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_broken_file_is_refused_with_a_clear_message(name: str, tmp_path: Path) -> None:
    spec = MANIFEST[name]
    con = small_county(tmp_path / "db.duckdb")
    before = content_hash(con)
    try:
        report = pipeline.ingest(con, BROKEN / name, table=spec["table"], user="test")
    except pipeline.IngestError as exc:
        message = str(exc)
        assert "\n" not in message
    else:  # read, but every row rejected: the reasons are in the report
        assert report.rows_read > 0
        assert report.rows_accepted == 0, report.describe()
        assert report.outcome == "rejected"
        message = report.describe()
    assert CJK.search(message), message
    assert spec["message"] in message, message
    assert content_hash(con) == before
    con.close()


def test_broken_file_with_all_or_nothing_and_a_good_row_changes_nothing(tmp_path: Path) -> None:
    con = small_county(tmp_path / "db.duckdb")
    before = content_hash(con)
    data = ("事件编号,所属网格,上报时间,办结时间,状态\n"
            "A1,G1,2024-05-01 08:00,2024-05-01 10:00,已办结\n"
            "A2,G1,2024-05-01 08:00,2024-04-01 10:00,已办结\n").encode()
    report = pipeline.ingest(con, data, table="cases", file_name="mixed.csv", all_or_nothing=True)
    assert (report.rows_rejected, report.outcome) == (1, "rejected")
    assert content_hash(con) == before
