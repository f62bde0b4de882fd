"""Downloads: CSV with a BOM and .xlsx, formula cells neutralised, and a template per table that
imports back without a preset."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from ingest_support import small_county
from openpyxl import load_workbook

from gridboard.core import export, schema
from gridboard.ingest import pipeline


def test_neutralise_formula_like_text_but_not_numbers() -> None:
    df = pd.DataFrame({"a": ["=1+1", "+86 138", "-", "@SUM(A1)", "-77.5", "正常", None, "\tx"],
                       "n": [-1, 2, 3, 4, 5, 6, 7, 8]})
    out = export.neutralise(df)
    assert out["a"].tolist()[:6] == ["'=1+1", "'+86 138", "'-", "'@SUM(A1)", "-77.5", "正常"]
    assert pd.isna(out["a"].iloc[6]) and out["a"].iloc[7] == "'\tx"
    assert out["n"].tolist()[0] == -1


def test_csv_has_a_bom_and_chinese_survives() -> None:
    df = pd.DataFrame({"名称": ["网格一", "=HYPERLINK(\"x\")"], "数": [1, 2]})
    raw = export.to_csv_bytes(df)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back["名称"].tolist() == ["网格一", "'=HYPERLINK(\"x\")"]


def test_xlsx_cells_are_text_not_formulas() -> None:
    df = pd.DataFrame({"名称": ["=1+1", "a\x01b"], "时间": pd.to_datetime(["2024-05-01", "2024-05-02"]),
                       "值": [1.5, -2.0]})
    wb = load_workbook(io.BytesIO(export.to_xlsx_bytes(df, "单位/网格")))
    ws = wb.active
    assert ws.title == "单位_网格"
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"  # text, no apostrophe
    assert ws["A3"].value == "ab"
    assert ws["C3"].value == -2.0


@pytest.mark.parametrize("table", list(schema.DATA_TABLES))
def test_template_has_chinese_headers_and_one_example(table: str) -> None:
    df = export.template_frame(table)
    assert list(df.columns) == [c.zh for c in schema.DATA_TABLES[table].columns]
    assert len(df) == 1
    wb = load_workbook(io.BytesIO(export.template_bytes(table)))
    assert [c.value for c in wb.active[1]] == list(df.columns)
    assert export.template_bytes(table, "csv").startswith(b"\xef\xbb\xbf")
    assert export.template_file_name(table).endswith("导入模板.xlsx")


def test_templates_import_back_without_a_preset(tmp_path: Path) -> None:
    con = small_county(tmp_path / "db.duckdb")
    con.execute("INSERT INTO units (unit_id, parent_id, level, name) VALUES "
                "('370831101', 'C1', 'town', '泉林镇'), ('370831101201', '370831101', 'village', '东村')")
    for table in schema.DATA_TABLES:
        for fmt in ("xlsx", "csv"):
            report = pipeline.ingest(con, export.template_bytes(table, fmt), table=table,
                                   file_name=export.template_file_name(table, fmt))
            assert report.rows_rejected == 0, report.describe()
            assert len(report.mapping) == len(schema.DATA_TABLES[table].columns)
    row = con.execute("SELECT source, status, satisfaction, reopened FROM cases WHERE case_id = 'SJ202405010001'"
                      ).fetchone()
    assert row == ("hotline", "closed", "satisfied", False)
    assert con.execute("SELECT operating_income FROM collective_economy").fetchone()[0] == 185000.0
    con.close()


def test_exported_table_imports_back_unchanged(tmp_path: Path) -> None:
    con = small_county(tmp_path / "db.duckdb")
    pipeline.ingest(con, "事件编号,所属网格,上报时间,状态,经度,纬度,标题\n"
                       "A1,G1,2024-05-01 08:00,待处理,-77.5,39.2,=SUM(1)\n".encode(), table="cases", file_name="a.csv")
    df = con.execute("SELECT * FROM cases ORDER BY case_id").df()
    for data in (export.to_csv_bytes(df), export.to_xlsx_bytes(df)):
        r = pipeline.ingest(con, data, table="cases", file_name="back")
        assert (r.rows_rejected, r.new, r.updated) == (0, 0, 0), r.describe()
    assert con.execute("SELECT title FROM cases WHERE case_id = 'A1'").fetchone()[0] == "=SUM(1)"
    con.close()
