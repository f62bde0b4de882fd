"""Volunteers, services and collective economy go in through the analyst import like every table:
their templates import without a preset, and tables exported as CSV or .xlsx import back into an
empty county unchanged, so the page figures are the same on both databases."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from test_volunteers import AS_OF, END, START, people_database

from gridboard.core import export, schema
from gridboard.db import store
from gridboard.ingest import pipeline
from gridboard.people import economy, volunteers

TABLES = ("volunteers", "volunteer_services", "collective_economy")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return people_database(tmp_path_factory.mktemp("import") / "source.duckdb", AS_OF)


def table(con, name: str) -> pd.DataFrame:
    key = ", ".join(schema.DATA_TABLES[name].primary_key)
    return con.execute(f"SELECT * FROM {name} ORDER BY {key}").df()


@pytest.mark.parametrize("table_name", TABLES)
def test_template_maps_every_column_and_imports(table_name, tmp_path):
    con = store.connect(tmp_path / "t.duckdb", create=True)
    con.execute("INSERT INTO units (unit_id, parent_id, level, name) VALUES ('370831', NULL, 'county', '泗水县'), "
                "('370831101', '370831', 'town', '泉林镇'), ('370831101001', '370831101', 'grid', '第一网格'), "
                "('370831101201', '370831101', 'village', '东村')")
    store.rebuild_unit_closure(con)
    if table_name == "volunteer_services":  # its volunteer comes first
        pipeline.ingest(con, export.template_bytes("volunteers"), table="volunteers", file_name="v.xlsx")
    frame = pd.read_excel(io.BytesIO(export.template_bytes(table_name)))
    assert list(frame.columns) == [c.zh for c in schema.DATA_TABLES[table_name].columns]
    for fmt in ("xlsx", "csv"):
        report = pipeline.ingest(con, export.template_bytes(table_name, fmt), table=table_name,
                               file_name=export.template_file_name(table_name, fmt))
        assert report.rows_rejected == 0, report.describe()
        assert set(report.mapping) == set(schema.DATA_TABLES[table_name].column_names)  # column → header
    assert con.execute(f"SELECT count(*) FROM {table_name}").fetchone()[0] == 1
    con.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_keeps_rows_and_page_figures(source, tmp_path, fmt):
    src = store.connect(source, read_only=True)
    dst = store.connect(tmp_path / "copy.duckdb", create=True)
    try:
        for name in ("units", *TABLES):
            df = table(src, name)
            data = export.to_csv_bytes(df) if fmt == "csv" else export.to_xlsx_bytes(df, schema.DATA_TABLES[name].zh)
            report = pipeline.ingest(dst, data, table=name, file_name=f"{name}.{fmt}")
            assert report.rows_rejected == 0 and report.new == len(df), report.describe()
            again = pipeline.ingest(dst, data, table=name, file_name=f"{name}.{fmt}")  # the same file: no change
            assert (again.new, again.updated, again.rows_rejected) == (0, 0, 0), again.describe()
        for name in TABLES:
            pd.testing.assert_frame_equal(table(dst, name), table(src, name), check_dtype=False)
        for unit in ("C", "T1", "T2V1G2"):
            assert volunteers.summary(dst, start=START, end=END, unit=unit) == \
                volunteers.summary(src, start=START, end=END, unit=unit)
        settings = economy.EconomySettings()
        assert economy.summary(dst, year=AS_OF.year, settings=settings) == \
            economy.summary(src, year=AS_OF.year, settings=settings)
    finally:
        src.close()
        dst.close()


def test_a_service_of_an_unknown_volunteer_or_unit_is_rejected(source, tmp_path):
    con = store.connect(tmp_path / "bad.duckdb", create=True)
    src = store.connect(source, read_only=True)
    try:
        pipeline.ingest(con, export.to_csv_bytes(table(src, "units")), table="units", file_name="units.csv")
        csv = "村编码,年度,经营性收入\nT2V1,2026,45000\nNOPE,2026,1000\nT2V2,二〇二六,5\n"
        report = pipeline.ingest(con, csv.encode(), table="collective_economy", file_name="e.csv")
        assert (report.rows_read, report.rows_rejected) == (3, 2), report.describe()
        assert con.execute("SELECT unit_id, operating_income FROM collective_economy").fetchall() == [("T2V1", 45000.0)]
    finally:
        src.close()
        con.close()
