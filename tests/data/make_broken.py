"""Write the broken import files of tests/data/broken/ and their manifest (run from anywhere).

Each file is something analysts really meet (empty exports, HTML "saved as .xls", truncated or
password-protected Excel, bad dates, duplicates, unknown units…). manifest.json records, per
file, the table it is uploaded into and a fragment of the Chinese message it must produce.
Every data row of every file is bad, so none of them may change the database.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent / "broken"

CASE_HEADER = "事件编号,所属网格,来源渠道,事件类型,上报时间,办结时间,办理时限,状态,满意度,经度,纬度\n"
GOOD = "SJ1,G1,12345热线,环境卫生,2024-05-01 08:00:00,2024-05-01 12:00:00,2024-05-03 08:00:00,已办结,满意,117.1,35.6\n"


def case_rows(*rows: str) -> bytes:
    return (CASE_HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def files() -> dict[str, tuple[str, str, bytes]]:
    """name -> (table, message fragment, bytes)."""
    rnd = random.Random(3)
    good_xlsx = xlsx([CASE_HEADER.strip().split(",")] + [GOOD.strip().split(",")] * 200)
    f: dict[str, tuple[str, str, bytes]] = {
        "empty.csv": ("cases", "文件是空的", b""),
        "whitespace_only.csv": ("cases", "只有空白", b"\n  \n\t\n"),
        "header_only.csv": ("cases", "只有表头", CASE_HEADER.encode()),
        "binary_garbage.csv": ("cases", "二进制", bytes(rnd.randrange(256) for _ in range(4096)) + b"\x00" * 16),
        "only_title_line.csv": ("cases", "对不上", "XX县网格化事件清单（2024年5月）\n".encode()),
        "wrong_table_headers.csv": ("cases", "对不上", "户号,户主,门牌\n1,张三,东街1号\n".encode()),
        "volunteer_file_as_cases.csv": ("cases", "缺少必填列", "志愿者编号,所属网格,姓名\nV9,G1,李四\n".encode()),
        "missing_required_column.csv": ("cases", "缺少必填列：上报时间",
                                        "事件编号,所属网格,状态\nSJ1,G1,已办结\n".encode()),
        "bad_dates.csv": ("cases", "无法识别的日期时间",
                          case_rows("SJ1,G1,12345热线,环境卫生,昨天上午,,,待处理,,,",
                                    "SJ2,G1,12345热线,环境卫生,2024-13-45 25:00,,,待处理,,,")),
        "excel_error_values.csv": ("cases", "无法识别的日期时间",
                                   case_rows("SJ1,G1,12345热线,环境卫生,#VALUE!,,,待处理,,,",
                                             "SJ2,G1,12345热线,环境卫生,#REF!,,,待处理,,,")),
        "closed_before_reported.csv": ("cases", "办结时间早于上报时间",
                                       case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,2024-04-30 08:00,,已办结,,,")),
        "due_before_reported.csv": ("cases", "办理时限早于上报时间",
                                    case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,2024-04-01 08:00,待处理,,,")),
        "unknown_status.csv": ("cases", "取值不在允许范围内",
                               case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,,差不多办完了,,,")),
        "unknown_source.csv": ("cases", "取值不在允许范围内",
                               case_rows("SJ1,G1,飞鸽传书,环境卫生,2024-05-01 08:00,,,待处理,,,")),
        "bad_satisfaction.csv": ("cases", "取值不在允许范围内",
                                 case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,7,,")),
        "duplicate_ids_conflict.csv": ("cases", "编号在文件中重复且内容不一致",
                                       case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,,,",
                                                 "SJ1,G1,12345热线,环境卫生,2024-05-02 08:00,,,待处理,,,")),
        "unknown_unit.csv": ("cases", "单位不存在",
                             case_rows("SJ1,不存在的网格,12345热线,环境卫生,2024-05-01 08:00,,,待处理,,,")),
        "placeholder_1900_reported.csv": ("cases", "占位值",
                                          case_rows("SJ1,G1,12345热线,环境卫生,01/01/1900 12:00:00 AM,,,待处理,,,")),
        "missing_case_ids.csv": ("cases", "必填项为空",
                                 case_rows(",G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,,,",
                                           "NULL,G1,12345热线,环境卫生,2024-05-01 09:00,,,待处理,,,")),
        "bad_numbers.csv": ("cases", "不是有效的数字",
                            case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,,东经117度,35.6")),
        "coords_out_of_range.csv": ("cases", "坐标超出范围",
                                    case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,,117.1,135.6")),
        "too_many_fields.csv": ("cases", "多于表头",
                                case_rows("SJ1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,,117.1,35.6,多余,多余")),
        "unclosed_quote.csv": ("cases", "引号没有闭合",
                               case_rows('SJ1,G1,12345热线,"环境卫生,2024-05-01 08:00,,,待处理,,,')),
        "html_saved_as.xls": ("cases", "网页（HTML）",
                              "<html><body><table><tr><td>事件编号</td></tr></table></body></html>".encode()),
        "html_saved_as.csv": ("cases", "网页（HTML）",
                              "<!DOCTYPE html>\n<html><table><tr><th>事件编号</th></tr></table></html>".encode()),
        "spreadsheet_2003.xml.xls": ("cases", "XML", b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>'),
        "pdf_renamed.csv": ("cases", "PDF", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        "password_protected.xlsx": ("cases", "设置了打开密码", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048),
        "truncated.xlsx": ("cases", "Excel 文件", good_xlsx[: len(good_xlsx) // 2]),
        "invalid_zip.xlsx": ("cases", "Excel 文件", b"PK\x03\x04" + bytes(rnd.randrange(256) for _ in range(2048))),
        "text_named.xlsx": ("cases", "扩展名是 .xlsx", CASE_HEADER.encode() + GOOD.encode()),
        "empty_workbook.xlsx": ("cases", "工作表都是空的", xlsx([])),
        "header_only.xlsx": ("cases", "只有表头", xlsx([CASE_HEADER.strip().split(",")])),
        "units_unknown_parent.csv": ("units", "上级单位不存在",
                                     "单位编码,上级单位编码,层级,名称\nG9,T404,网格,第九网格\n".encode()),
        "units_bad_level.csv": ("units", "取值不在允许范围内",
                                "单位编码,上级单位编码,层级,名称\nG9,C1,小区,第九网格\n".encode()),
        "services_unknown_volunteer.csv": ("volunteer_services", "志愿者不存在",
                                           "服务编号,志愿者编号,服务网格,开始时间,服务时长\nS1,V404,G1,2024-05-01 09:00,2\n".encode()),
        "services_negative_hours.csv": ("volunteer_services", "不能为负数",
                                        "服务编号,志愿者编号,服务网格,开始时间,服务时长\nS1,V1,G1,2024-05-01 09:00,-2\n".encode()),
        "volunteers_bad_bool.csv": ("volunteers", "无法识别的是/否值",
                                    "志愿者编号,所属网格,姓名,是否党员\nV9,G1,王五,也许\n".encode()),
        "economy_bad_year.csv": ("collective_economy", "年度不合理",
                                 "村编码,年度,经营性收入\nG1,1800,1000\n".encode()),
        "economy_gbk_bad_income.csv": ("collective_economy", "不是有效的数字",
                                       "村编码,年度,经营性收入（万元）\nG1,2024,十八万\n".encode("gbk")),
    }
    return f


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (table, fragment, data) in files().items():
        (OUT / name).write_bytes(data)
        manifest[name] = {"table": table, "message": fragment}
    (OUT / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(manifest)} broken files in {OUT}")


if __name__ == "__main__":
    main()
