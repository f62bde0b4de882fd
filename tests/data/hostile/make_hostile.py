"""Writes the hostile-file corpus (issue #14 item 8): files a careless upstream system or an
attacker could hand the import, each of which must be refused with a clear Chinese message and
leave the database unchanged.

    python tests/data/hostile/make_hostile.py            # the small files, committed beside this script
    python tests/data/hostile/make_hostile.py --big DIR  # also the big ones (bombs, 20 MB cells), at test time

EXPECTED maps every file name to (table, a fragment of the expected message). Deterministic:
the same bytes on every run.
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASE_HEADER = "事件编号,所属网格,上报时间,状态\n"
GOOD_ROW = "H1,G1,2024-05-01 08:00,待处理\n"

# name -> (table, fragment of the refusal message)
EXPECTED: dict[str, tuple[str, str]] = {}


def _put(folder: Path, name: str, data: bytes, table: str, message: str) -> None:
    (folder / name).write_bytes(data)
    EXPECTED[name] = (table, message)


# --- xlsx building blocks ------------------------------------------------------------------------

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _sheet(rows: list[list[str]], dimension: str | None = None, prolog: str = "") -> str:
    body = "".join(
        f'<row r="{r + 1}">' + "".join(f'<c r="{_col(c)}{r + 1}" t="inlineStr"><is><t>{v}</t></is></c>'
                                       for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}>{dim}<sheetData>{body}</sheetData></worksheet>'


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _xlsx(parts: dict[str, str | bytes], extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        base = {"[Content_Types].xml": _CT, "_rels/.rels": _RELS, "xl/workbook.xml": _WB,
                "xl/_rels/workbook.xml.rels": _WB_RELS,
                "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="0" uniqueCount="0"/>'}
        base.update(parts)
        for name, text in base.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
        for name, data in (extra or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 0, 0, 0))
            z.writestr(info, data)
    return buf.getvalue()


ROWS = [["事件编号", "所属网格", "上报时间", "状态"], ["H1", "G1", "2024-05-01 08:00", "待处理"]]


def _repeated_deflate(head: bytes, block: bytes, count: int, tail: bytes = b"") -> bytes:
    """A raw deflate stream of head + block × count + tail, built without compressing count blocks:
    `block` is compressed once by a fresh compressor ending in a full flush (byte-aligned, no
    reference outside itself), so the same bytes stand for every copy."""
    def alone(data: bytes, final: bool) -> bytes:
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        return comp.compress(data) + comp.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)
    return alone(head, False) + alone(block, False) * count + alone(tail, True)


def _bomb_part(size: int) -> bytes:
    """A deflate stream of "<sst>" and `size` bytes of one repeated XML-ish byte."""
    block = b"A" * (1 << 20)
    return _repeated_deflate(b"<sst>", block, size // len(block))


def _raw_zip_member(name: str, raw_deflate: bytes, size: int, crc: int = 0) -> bytes:
    """A zip with one deflated member whose directory declares `size` (the real inflated size)."""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(raw_deflate), size, len(name), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(raw_deflate), size,
                          len(name), 0, 0, 0, 0, 0, 0)
    offset_cd = len(local) + len(name) + len(raw_deflate)
    cd = central + name.encode()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), offset_cd, 0)
    return local + name.encode() + raw_deflate + cd + end


# --- the corpus ------------------------------------------------------------------------------------


def small(folder: Path) -> None:
    c = "cases"
    # not a table at all
    _put(folder, "png_renamed.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), c, "二进制")
    _put(folder, "pdf_renamed.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", c, "PDF")
    _put(folder, "elf_renamed.csv", b"\x7fELF\x02\x01\x01" + bytes(300), c, "二进制")
    _put(folder, "exe_renamed.csv", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(300), c, "二进制")
    _put(folder, "gzip_renamed.csv", b"\x1f\x8b\x08\x00" + bytes(64), c, "二进制")
    _put(folder, "sqlite_renamed.csv", b"SQLite format 3\x00" + bytes(500), c, "二进制")
    _put(folder, "ole_renamed.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), c, "旧版 .xls")
    _put(folder, "html_as_xls.xls", b"<html><body><table><tr><td>a</td></tr></table></body></html>", c, "网页")
    _put(folder, "xml_2003.xml", b'<?xml version="1.0"?><Workbook></Workbook>', c, "XML")
    _put(folder, "text_named_xlsx.xlsx", CASE_HEADER.encode() + GOOD_ROW.encode(), c, "不是 Excel")
    _put(folder, "empty.csv", b"", c, "0 字节")
    _put(folder, "only_bom.csv", b"\xef\xbb\xbf", c, "空白")
    _put(folder, "only_whitespace.csv", b" \r\n\t\r\n   \n", c, "空白")
    _put(folder, "cr_only_lines.csv", (CASE_HEADER + GOOD_ROW * 3).replace("\n", "\r").encode(), c, "换行")
    _put(folder, "header_only.csv", CASE_HEADER.encode(), c, "只有表头")
    _put(folder, "utf16_without_bom.csv", (CASE_HEADER + GOOD_ROW).encode("utf-16-le"), c, "二进制")
    _put(folder, "control_characters.csv", bytes(range(1, 9)) * 200 + b"\n", c, "控制字符")
    _put(folder, "nul_in_text.csv", CASE_HEADER.encode() + b"H1,G1\x00\x00,2024-05-01,x\n", c, "二进制")
    _put(folder, "zip_truncated.xlsx", b"PK\x03\x04" + bytes(40), c, "损坏")
    _put(folder, "zip_not_pk34.csv", b"PK\x05\x06" + bytes(18), c, "不完整")
    # text that is not what it claims
    _put(folder, "unclosed_quote.csv", (CASE_HEADER + 'H1,G1,"2024-05-01 08:00,待处理\n' + GOOD_ROW * 3).encode(),
         c, "引号")
    _put(folder, "extra_columns.csv", (CASE_HEADER + "H1,G1,2024-05-01 08:00,待处理,x,y,z\n").encode(), c, "多于表头")
    _put(folder, "duplicate_headers.csv",
         "事件编号,所属网格,上报时间,上报时间,上报时间,状态\nH1,G1,2024-05-01,2023-01-01,2022-01-01,待处理\n".encode(),
         c, "表头列名重复")
    _put(folder, "duplicate_headers_fullwidth.csv",
         "事件编号,所属网格,上报时间,上报时间\u200b,状态\nH1,G1,2024-05-01,2023-01-01,待处理\n".encode(), c, "表头列名重复")
    _put(folder, "wide_2000_columns.csv", (",".join(f"列{i}" for i in range(2000)) + "\n" + ",".join("1" * 2000) + "\n")
         .encode(), c, "超过上限")
    _put(folder, "no_known_columns.csv", "甲,乙,丙\n1,2,3\n".encode(), c, "")
    _put(folder, "mixed_encodings.csv", CASE_HEADER.encode() + "H1,网格一,2024-05-01 08:00,待处理\n".encode()
         + "H2,网格二,2024-05-01 09:00,待处理\n".encode("gbk") + bytes([0xff, 0xfe, 0x81]) + b"\n", c, "")
    # units that would break the tree (refused whole)
    u = "units"
    _put(folder, "units_cycle.csv", "单位编码,上级单位编码,层级,名称\nX1,X2,社区,甲\nX2,X1,社区,乙\n".encode(), u, "循环")
    _put(folder, "units_second_root.csv", "单位编码,上级单位编码,层级,名称\nC9,,县,另一个县\n".encode(), u, "第二个根单位")
    _put(folder, "units_town_under_town.csv", "单位编码,上级单位编码,层级,名称\nT7,T1,镇街,镇中镇\n".encode(), u, "不高于本单位")
    _put(folder, "units_blank_parent.csv", "单位编码,上级单位编码,层级,名称\nT8,,镇街,无上级镇\n".encode(), u, "")
    # xlsx attacks
    xxe = ('<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    _put(folder, "xlsx_xxe_shared_strings.xlsx", _xlsx({
        "xl/sharedStrings.xml": f'<?xml version="1.0"?>{xxe}<sst {_NS} count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>',
        "xl/worksheets/sheet1.xml": _sheet(ROWS)}), c, "DOCTYPE")
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    _put(folder, "xlsx_billion_laughs.xlsx", _xlsx({"xl/worksheets/sheet1.xml": _sheet(
        [["事件编号", "所属网格", "上报时间", "状态"], ["&lol3;", "G1", "2024-05-01", "待处理"]], prolog=laughs)}),
         c, "DOCTYPE")
    _put(folder, "xlsx_xxe_workbook.xlsx", _xlsx({
        "xl/workbook.xml": _WB.replace("<workbook", f'{xxe}<workbook', 1),
        "xl/worksheets/sheet1.xml": _sheet(ROWS)}), c, "DOCTYPE")
    _put(folder, "xlsx_2000_columns.xlsx", _xlsx({"xl/worksheets/sheet1.xml": _sheet(ROWS, dimension="A1:BXX2")}),
         c, "超过上限")
    _put(folder, "xlsx_ten_million_rows.xlsx", _xlsx({"xl/worksheets/sheet1.xml": _sheet(ROWS, dimension="A1:D10000000")}),
         c, "超过上限")
    _put(folder, "xlsx_zip_slip.xlsx", _xlsx({"xl/worksheets/sheet1.xml": _sheet(ROWS)},
                                             extra={"../../etc/cron.d/evil": b"* * * * * root true"}), c, "异常的部件路径")
    _put(folder, "xlsx_many_parts.xlsx", _xlsx({"xl/worksheets/sheet1.xml": _sheet(ROWS)},
                                               extra={f"xl/media/p{i}.bin": b"" for i in range(2100)}), c, "部件")
    good = _xlsx({"xl/worksheets/sheet1.xml": _sheet(ROWS)})
    _put(folder, "xlsx_truncated_half.xlsx", good[: len(good) // 2], c, "损坏")
    _put(folder, "xlsx_no_workbook.xlsx", _xlsx({}, extra={})[:0] or _zip_only({"hello.txt": b"hi"}), c, "")
    _put(folder, "xlsx_header_only.xlsx", _xlsx({"xl/worksheets/sheet1.xml": _sheet(ROWS[:1])}), c, "只有表头")
    _put(folder, "xlsx_declared_bomb.xlsx", _raw_zip_member("xl/sharedStrings.xml", _bomb_part(0), 3 << 30),
         c, "压缩炸弹")


def _zip_only(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 0, 0, 0)), data)
    return buf.getvalue()


def big(folder: Path) -> None:
    """Files too big to commit: built at test time (a few seconds)."""
    c = "cases"
    _put(folder, "cell_20mb.csv", CASE_HEADER.encode() + b"H1,G1,2024-05-01 08:00," + "长".encode() * 7_000_000 + b"\n",
         c, "单元格过大")
    _put(folder, "header_20mb.csv", b"a" * 20_000_000 + b"\n1\n", c, "单元格过大")
    _put(folder, "cr_only_20mb_line.csv", (CASE_HEADER + GOOD_ROW).replace("\n", "\r").encode() + b"x" * 20_000_000,
         c, "单元格过大")
    size = 600 << 20  # 600 MB of 'A' inflate from ~0.6 MB
    bomb = _bomb_part(size)
    crc = 0  # not checked: the directory is refused before any inflation
    _put(folder, "xlsx_bomb_shared_strings.xlsx", _raw_zip_member("xl/sharedStrings.xml", bomb, size + 5, crc),
         c, "压缩炸弹")
    sheet = _sheet(ROWS).encode()
    head, rest = sheet.split(b"<sheetData>", 1)
    head += b"<sheetData>"
    spaces, count = b" " * (1 << 20), 300  # 300 MB of spaces inside a real sheet
    raw = _repeated_deflate(head, spaces, count, rest)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(spaces, crc)
    crc = zlib.crc32(rest, crc)
    _put(folder, "xlsx_bomb_sheet.xlsx", _raw_zip_member("xl/worksheets/sheet1.xml", raw,
                                                         len(head) + len(spaces) * count + len(rest), crc),
         c, "压缩炸弹")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, default=None, help="also write the big files into this folder")
    args = parser.parse_args(argv)
    small(HERE)
    if args.big is not None:
        args.big.mkdir(parents=True, exist_ok=True)
        big(args.big)
        (args.big / "expected.tsv").write_text(
            "".join(f"{n}\t{t}\t{m}\n" for n, (t, m) in EXPECTED.items()), encoding="utf-8")
    print(f"{len(EXPECTED)} hostile files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
