"""The bulletin as a Word file (.docx, python-docx): A4, 仿宋 body with 黑体 headings (the fonts a
county's Windows desktop has; East-Asian font names set on every run), charts as PNG pictures,
tables with a header row that repeats on each page. No streamlit here.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from gridboard.bulletin import charts
from gridboard.bulletin.content import Bulletin

BODY_FONT, HEAD_FONT, TITLE_FONT = "仿宋", "黑体", "宋体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xB9, 0x1C, 0x1C)


def _run(paragraph, text: str, *, size: float, font: str, bold: bool = False, colour: RGBColor | None = None):  # type: ignore[no-untyped-def]
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _centred(doc, text: str, *, size: float, font: str, bold: bool = False, colour: RGBColor | None = None) -> None:  # type: ignore[no-untyped-def]
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, size=size, font=font, bold=bold, colour=colour)


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def to_bytes(b: Bulletin) -> bytes:
    """The .docx file's bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    doc.core_properties.title = b.title + b.subtitle
    doc.core_properties.author = b.issuer

    _centred(doc, b.issuer, size=18, font=TITLE_FONT, bold=True, colour=RED)
    _centred(doc, b.title, size=20, font=TITLE_FONT, bold=True)
    _centred(doc, b.subtitle, size=15, font=BODY_FONT)
    _centred(doc, f"数据截至 {b.as_of:%Y-%m-%d %H:%M}", size=10.5, font=BODY_FONT)
    width = section.page_width - section.left_margin - section.right_margin
    for s in b.sections:
        h = doc.add_paragraph()
        h.paragraph_format.keep_with_next = True
        h.paragraph_format.space_before = Pt(8)
        _run(h, s.heading, size=15, font=HEAD_FONT, bold=True)
        for text in s.paragraphs:
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(28)
            p.paragraph_format.line_spacing = Pt(28)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _run(p, text, size=14, font=BODY_FONT)
        for chart in s.charts:
            pic = doc.add_paragraph()
            pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pic.paragraph_format.keep_with_next = True
            pic.add_run().add_picture(io.BytesIO(charts.png(chart)), width=width)
            _centred(doc, f"图：{chart.title}", size=10.5, font=BODY_FONT)
        for t in s.tables:
            table = doc.add_table(rows=1, cols=len(t.columns))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            _repeat_header(table.rows[0])
            for cell, text in zip(table.rows[0].cells, t.columns, strict=True):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                _run(cell.paragraphs[0], text, size=10.5, font=HEAD_FONT, bold=True)
            for values in t.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, values, strict=True):
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                    _run(cell.paragraphs[0], text, size=10.5, font=BODY_FONT)
            doc.add_paragraph()
    for line in (b.issuer, b.date_line):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(p, line, size=14, font=BODY_FONT)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
