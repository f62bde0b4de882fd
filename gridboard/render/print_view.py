"""Print: the stylesheet every page carries for Ctrl+P / print-to-PDF, and the static HTML table
printed in place of an on-screen table.

Streamlit's tables are canvas grids that draw only the rows in view (about ten), so a printed page
would cut every table; each table offered for download also gets a whole static HTML copy, hidden
on screen and printed instead of its grid. The stylesheet (print media only, nothing changes on
screen) gives a light page — white, dark text, charts' light text and grid lines darkened —
without the sidebar, header, toolbar, buttons and inputs, lets the page run over as many sheets as
it needs (Streamlit's scroll container otherwise prints one screen), repeats table headers on each
sheet and keeps headings with what follows and charts and table rows whole. No streamlit here.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import pandas as pd

from gridboard.core import export, fmt

PRINT_ROWS_MAX = 2000  # rows of one printed table (a longer one says how many were left out)
PRINT_ONLY = "gb-print-only"

CSS = """
<style>
.stElementContainer:has(> div > .gb-print-only), .stElementContainer:has(.gb-print-only) { display: none; }
@media print {
  @page { size: A4 landscape; margin: 12mm 10mm; }
  html, body, #root, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"], section.main, .main {
    background: #ffffff !important; color: #111111 !important;
    height: auto !important; min-height: 0 !important; max-height: none !important;
    overflow: visible !important; position: static !important;
  }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  header, .stDownloadButton, .stButton, [data-testid="stBaseButton-secondary"],
  .stTextInput, .stNumberInput, .stSelectbox, .stMultiSelect, .stDateInput, .stSegmentedControl,
  .stRadio, .stCheckbox, .stToggle, .stSlider, .stPills, .stFileUploader, .modebar-container,
  [data-testid="stElementToolbar"], iframe[title="streamlit_app"] { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  .stApp *, .stApp *::before, .stApp *::after {
    color: #111111 !important; background-color: transparent !important; box-shadow: none !important;
    text-shadow: none !important;
  }
  [data-testid="stMetric"] { border: 1px solid #c8ced6 !important; }
  [data-testid="stMetricDelta"] svg { fill: #333333 !important; }
  h1, h2, h3, h4, [data-testid="stHeading"] { break-after: avoid; page-break-after: avoid; }
  .stPlotlyChart, [data-testid="stMetric"], .stImage, [data-testid="stDeckGlJsonChart"] {
    break-inside: avoid; page-break-inside: avoid;
  }
  .js-plotly-plot .main-svg text { fill: #1f2733 !important; }
  .js-plotly-plot .gridlayer path, .js-plotly-plot .zerolinelayer path { stroke: #dfe4ea !important; }
  .js-plotly-plot .main-svg .bg { fill: #ffffff !important; }
  .stElementContainer:has(.gb-print-only) { display: block !important; }
  /* the grid a printed copy stands for: right before its download buttons, which the copy follows
     (a grid with anything else between keeps printing its first rows, besides the copy) */
  .stElementContainer:has([data-testid="stDataFrame"]):has(+ * + .stElementContainer .gb-print-only),
  .stElementContainer:has([data-testid="stDataFrame"]):has(+ .stElementContainer .gb-print-only) {
    display: none !important;
  }
  .gb-print-only { display: block !important; }
  table.gb-print-table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
  table.gb-print-table thead { display: table-header-group; }
  table.gb-print-table tr { break-inside: avoid; page-break-inside: avoid; }
  table.gb-print-table th, table.gb-print-table td {
    border: 1px solid #9aa5b4 !important; padding: 2px 5px; text-align: left; vertical-align: top;
  }
  table.gb-print-table th { background: #e8eef6 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.gb-print-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  table.gb-print-table td:first-child { white-space: nowrap; }
  .gb-print-caption { font-size: 9pt; margin: 2px 0 4px 0; }
}
</style>
"""


# When the print layout applies (Ctrl+P, print-to-PDF: beforeprint, and the media query turns to
# print), the tables' printed copies are built from their data, and each chart wider than its printed
# box is zoomed to fit (a chart keeps the pixel width it had on screen, and narrower paper would cut
# it at the right), then put back after printing.
SCRIPT = """
<script>
if (!window.__gbPrintFit) {
  window.__gbPrintFit = true;
  const parts = box => [box.querySelector('.svg-container'), box.querySelector('svg.main-svg')];
  const unfit = () => document.querySelectorAll('.stPlotlyChart').forEach(box => {
    const [frame] = parts(box);
    if (frame && frame.dataset.gbWidth !== undefined) {
      frame.style.width = frame.dataset.gbWidth; frame.style.zoom = ''; delete frame.dataset.gbWidth;
    }
  });
  const fit = () => { unfit(); document.querySelectorAll('.stPlotlyChart').forEach(box => {
    const [frame, svg] = parts(box);
    if (!frame || !svg) return;
    const need = parseFloat(svg.getAttribute('width')), room = box.clientWidth;
    if (!(room > 0 && need > room)) return;
    frame.dataset.gbWidth = frame.style.width;
    frame.style.width = need + 'px';
    frame.style.zoom = String(room / need);
  }); };
  // each printed copy's rows (table_html's data-gb-rows) become its table when printing starts;
  // a copy already built is left as it is
  const build = () => document.querySelectorAll('.gb-print-only[data-gb-rows]').forEach(copy => {
    if (copy.querySelector(':scope > table')) return;
    const data = JSON.parse(copy.dataset.gbRows);
    const table = document.createElement('table'), head = document.createElement('tr'), body = document.createElement('tbody');
    table.className = 'gb-print-table';
    data.h.forEach(text => { const th = document.createElement('th'); th.textContent = text; head.appendChild(th); });
    table.appendChild(document.createElement('thead')).appendChild(head);
    data.r.forEach(row => {
      const tr = document.createElement('tr');
      row.forEach((text, i) => {
        const td = document.createElement('td'); td.textContent = text;
        if (data.n[i] && text !== '—') td.className = 'num';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    copy.insertBefore(table, copy.querySelector(':scope > .gb-print-more'));
  });
  window.matchMedia('print').addEventListener('change', e => (e.matches ? (build(), fit()) : unfit()));
  window.addEventListener('beforeprint', build);
  window.addEventListener('afterprint', unfit);
}
</script>
"""


def css() -> str:
    """The print stylesheet and the small script that builds the printed copies of tables and fits
    charts to the paper (print only: the screen layout is untouched)."""
    return CSS + SCRIPT


def _cell(value: Any) -> tuple[str, bool]:
    """(text, is_number) of a cell as the printed table shows it: missing as "—", floats with one
    decimal, counts with thousands separators, times to the minute (plain text: the print script
    sets it as a cell's text, never as markup)."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return fmt.DASH, False
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return f"{value:,.1f}", True
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _cell(value.item())
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}", False
    return str(value), False


def table_html(df: pd.DataFrame, caption: export.Caption | None = None, *, max_rows: int = PRINT_ROWS_MAX,
               more: str | None = None) -> str:
    """The whole table for print: a caption line (heading · unit · period), then the header and
    every row up to max_rows as compact data in the copy's `data-gb-rows` (JSON: "h" the header,
    "n" which columns are numbers, "r" the cells' printed text), which SCRIPT turns into a table when
    printing starts; then `more`, a line saying how many rows were left out.

    Why not the table itself: Streamlit sanitises every st.html body (DOMPurify parses it into a
    document and writes it out again), and the 1,429-grid league as 36,000 table cells took ~0.4 s
    of the browser's time on each visit of the ranking page (README "Measured"), for a copy that is
    seen only on paper. One attribute is one string to sanitise."""
    head = [str(c) for c in df.columns]
    shown = df.head(max_rows)
    # column by column: tolist() gives Python values in one step (row tuples carry numpy scalars)
    columns = [[_cell(v) for v in shown.iloc[:, i].tolist()] for i in range(len(head))]
    numbers = [any(is_number for _, is_number in column) for column in columns]
    rows = [list(row) for row in zip(*([text for text, _ in column] for column in columns), strict=True)]
    data = json.dumps({"h": head, "n": numbers, "r": rows}, ensure_ascii=False, separators=(",", ":"))
    parts = [f'<div class="{PRINT_ONLY}" data-gb-rows=\'{_attr(data)}\'>']
    if caption is not None:
        line = " · ".join(p for p in (caption.heading, caption.subtitle()) if p)
        parts.append(f'<div class="gb-print-caption">{html.escape(line)}</div>')
    if len(df) > max_rows:
        line = more or f"… {len(df) - max_rows:,} / {len(df):,}"
        parts.append(f'<div class="gb-print-caption gb-print-more">{html.escape(line)}</div>')
    parts.append("</div>")
    return "".join(parts)


def _attr(text: str) -> str:
    """`text` inside a single-quoted attribute: JSON's own double quotes stay as they are (escaping
    them would add five bytes to every cell)."""
    return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
