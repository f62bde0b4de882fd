"""The import library's messages in both languages (issue #15 item 6): every message key the
library raises or words exists in Chinese and English with the same placeholders, the English
has no Chinese, and real refusals read in English while str() stays the Chinese the CLI prints."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gridboard.core import i18n, schema
from gridboard.db import store
from gridboard.ingest import pipeline, tree, values
from gridboard.ingest.messages import Phrase, Refusal
from gridboard.ingest.readers import ReadError, open_source

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")
# keys given to a message class: ReadError("rd_…", …), Phrase("det_…"), IngestError("ing_…") …
RAISED = re.compile(r"\b(?:ReadError|MappingError|ParentError|IngestError|Phrase|Refusal)\(\s*\"([a-z_]+)\"")
DATA_IN_ENGLISH = {"未划分"}  # the unassigned grid's name: a data value the English names in quotes


def library_keys() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "gridboard" / "ingest").glob("*.py"):
        found |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_library_raises_keys():
    keys = library_keys()
    assert len(keys) > 60  # readers, limits, mapping, tree, details
    assert {"rd_binary", "map_dup_headers", "tree_cycle", "det_outside", "prob_allowed"} <= keys


@pytest.mark.parametrize("key", sorted(library_keys()))
def test_every_key_the_library_raises_exists_in_both_languages(key):
    zh, en = i18n.STRINGS[key]
    assert zh and en
    assert CJK.search(zh) or fields(zh) <= {"code", "label"}, f"{key}: the Chinese text has no Chinese"
    assert fields(zh) == fields(en), f"{key}: placeholders differ"


def area_keys() -> list[str]:
    from gridboard.core.strings import importer, ingest_messages, ingest_refusals

    return sorted({*ingest_refusals.STRINGS, *ingest_messages.STRINGS, *importer.STRINGS})


@pytest.mark.parametrize("key", area_keys())
def test_the_import_strings_are_english_in_english(key):
    zh, en = i18n.STRINGS[key]
    rest = en
    for value in DATA_IN_ENGLISH:
        rest = rest.replace(value, "")
    assert not CJK.search(rest), f"{key}: Chinese in the English text {en!r}"
    assert fields(zh) == fields(en), f"{key}: placeholders differ"


def test_every_problem_code_and_log_column_has_both_languages():
    from gridboard.ingest import checks

    for code in checks.PROBLEMS:
        assert i18n.text(f"prob_{code}", "zh") == checks.PROBLEMS[code][1]
        assert not CJK.search(i18n.text(f"prob_{code}", "en").replace("未划分", ""))
    for col in schema.INGEST_LOG.columns:
        if col.name != "sha256":
            assert i18n.text(f"log_{col.name}", "zh") == col.zh
            assert not CJK.search(i18n.text(f"log_{col.name}", "en"))


def test_a_png_renamed_csv_is_refused_in_both_languages():
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
           + bytes(200))
    with pytest.raises(ReadError) as caught:
        open_source(png, "cases.csv")
    assert str(caught.value) == "文件含有二进制内容，不是文本表格（CSV）文件"  # what the CLI and the page in Chinese say
    assert caught.value.text("en") == "The file holds binary content: it is not a text table (CSV)"


def test_a_duplicate_header_is_refused_in_both_languages(fresh_db):
    data = "事件编号,上报时间,上报时间\nA1,2024-05-01 08:00,2024-05-01 09:00\n".encode()
    with pytest.raises(pipeline.IngestError) as caught:
        pipeline.prepare(fresh_db, data, table="cases", file_name="dup.csv")
    assert str(caught.value) == "表头列名重复：上报时间（每个列名只能出现一次，请删除或改名后再导入）"
    assert caught.value.text("en") == ("Repeated header names: 上报时间 (each name may appear once: delete or rename, "
                                       "then import)")


def test_missing_required_columns_name_the_columns_in_each_language(fresh_db):
    data = b"title\nsomething\n"
    with pytest.raises(pipeline.IngestError) as caught:
        pipeline.prepare(fresh_db, data, table="cases", file_name="t.csv")
    assert "缺少必填列：" in str(caught.value) and "上报时间（reported_at）" in str(caught.value)
    english = caught.value.text("en")
    assert english.startswith("Required columns missing: ") and "reported_at" in english
    assert not CJK.search(english)


def test_tree_lines_and_allowed_values_read_in_english():
    lines = tree.problems([("C1", None, "county")], [(2, "A", "B", "grid"), (3, "B", "A", "grid")])
    cycle = next(p for p in lines if "循环" in p)  # a str: the Chinese line
    assert cycle == "第 2 行（A）、第 3 行（B）：上级关系形成循环（A → B → A）"
    assert cycle.text("en") == "row 2 (A), row 3 (B): the parents form a cycle (A → B → A)"
    allowed = values.allowed_values("status")
    assert allowed.startswith("允许：open 待处理、")
    assert allowed.text("en").startswith("allowed: open (")
    assert not CJK.search(allowed.text("en"))


def test_a_text_that_is_no_key_stays_as_given():
    exc = Refusal("状态更新文件每行都要有事件编号", en="every row needs a case id")
    assert str(exc) == "状态更新文件每行都要有事件编号" and exc.text("en") == "every row needs a case id"
    assert Phrase("det_name_long", n=40).text("en") == "the name is longer than 40 characters"


def test_problem_details_and_the_import_log_in_english(fresh_db):
    con = fresh_db
    con.execute("INSERT INTO units (unit_id, parent_id, level, name) VALUES ('C', NULL, 'county', '测试县'), "
                "('G1', 'C', 'grid', '网格一')")
    store.rebuild_unit_closure(con)
    rows = ["事件编号,所属网格,上报时间,状态",
            "A1,网格一,2024-05-01 08:00,飞走了",
            "A2,网格一,2024-05-01 09:00,待处理",
            "A2,网格一,2024-05-01 10:00,待处理",
            "A3,网格一,2024-05-01 11:00,待处理"]
    batch = pipeline.prepare(con, "\n".join(rows).encode(), table="cases", file_name="p.csv")
    try:
        en = batch.problems(None, lang="en")
        zh = batch.problems(None)
        assert list(en.columns) == ["Row", "Field", "Value", "Problem", "Action"]
        enum = en[en["Problem"].str.startswith("Value not allowed")]["Problem"].iloc[0]
        assert enum.startswith("Value not allowed (allowed: open (") and not CJK.search(enum)
        dup = en[en["Problem"].str.startswith("Id repeated")]["Problem"].iloc[0]
        assert dup == "Id repeated in the file with different content (rows 3, 4)"
        assert "编号在文件中重复且内容不一致（第 3、4 行）" in set(zh["问题"])
        assert not any(CJK.search(str(v)) for v in [*en["Problem"], *en["Action"]])
        batch.commit(user="analyst")
    finally:
        batch.close()
    log = pipeline.history(con, 5, "en")
    assert list(log.columns) == ["No.", "Table", "File", "Rows read", "New", "Updated", "Rejected", "User", "Started",
                                 "Finished", "Outcome"]
    assert log.iloc[0]["Table"] == "Cases" and log.iloc[0]["Outcome"] == "Partly loaded"
    assert pipeline.history(con, 5).iloc[0]["结果"] == "部分导入"
