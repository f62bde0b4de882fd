"""The wall screen's charts as SVG pictures drawn server-side: 24 hours, 30 days, category mix.

Why not plotly here: the wall zooms the whole page by width / 1920 (gridboard.bigscreen_view), and
plotly sizes itself from zoomed measurements, so on a 3840×2160 wall it draws at twice the size
and is cropped. An SVG drawn server-side in the 1920×1080 frame's pixels scales exactly with the
zoom, costs no JavaScript per refresh, and cannot leak chart objects in the browser over a day.
Labels are HTML-escaped; colours follow gridboard.charts.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from gridboard.core import fmt, i18n
from gridboard.render import charts

FONT = 14
AXIS = charts.MUTED
GRID = charts.GRID


def nice_max(value: float) -> float:
    """A round axis top at or above value whose half is a whole number too (2, 4, 10 × 10^k), so the
    three count ticks 0, top/2, top are integers; 2 for nothing."""
    power = 1
    while True:
        for step in (2, 4, 10):
            if value <= step * power:
                return float(step * power)
        power *= 10


def text_width(text: str, size: int = FONT) -> float:
    """Rough width of a label: CJK characters a full em, others about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def svg(width: int, height: int, body: list[str]) -> str:
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family=\'{_e(charts.FONT_FAMILY)}\' font-size="{FONT}">'
            f'{"".join(body)}</svg>')


def _svg(width: int, height: int, body: list[str], key: str) -> str:
    """The chart as an <img> of an SVG data URI: st.html's sanitiser drops inline <svg>, and a data
    URI is no request to any host."""
    data = base64.b64encode(svg(width, height, body).encode("utf-8")).decode("ascii")
    return (f'<img class="bs-chart" data-testid="bs-{key}" width="{width}" height="{height}" alt="" '
            f'src="data:image/svg+xml;base64,{data}">')


def _text(x: float, y: float, text: Any, *, anchor: str = "middle", color: str = AXIS, size: int = FONT) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{color}" font-size="{size}">'
            f"{_e(text)}</text>")


def _legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> list[str]:
    """(label, colour, "bar" | "line") entries in a row from (x, y)."""
    out = []
    for label, colour, kind in items:
        mark = (f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>' if kind == "bar" else
                f'<line x1="{x:.1f}" x2="{x + 16:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" stroke="{colour}" stroke-width="3"/>')
        out += [mark, _text(x + 20, y, label, anchor="start", color=charts.TEXT)]
        x += 34 + text_width(label)
    return out


def _y_axis(top: float, x0: float, x1: float, y0: float, y1: float, *, right: bool = False,
            fmt_tick: Any = None) -> list[str]:
    """Grid lines at 0, top/2, top between y0 (bottom) and y1 (top), ticks on the left (or right)."""
    out = []
    for frac in (0.0, 0.5, 1.0):
        y = y0 - (y0 - y1) * frac
        label = fmt_tick(top * frac) if fmt_tick else f"{top * frac:,.0f}"
        if not right:
            out.append(f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(x1 + 6 if right else x0 - 6, y + 5, label, anchor="start" if right else "end"))
    return out


def _polyline(points: list[tuple[float, float] | None], colour: str) -> list[str]:
    """A line through the points, broken where a point is None, with a dot on each."""
    out, run = [], []
    for p in [*points, None]:
        if p is None:
            if len(run) > 1:
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="'
                           + " ".join(f"{x:.1f},{y:.1f}" for x, y in run) + '"/>')
            run = []
        else:
            run.append(p)
            out.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="2.5" fill="{colour}"/>')
    return out


def hourly(rows: Sequence[dict[str, Any]], lang: str = "zh", *, width: int = 456, height: int = 150) -> str:
    """Received per hour (bars) and closed per hour (line) for bigscreen.hourly rows."""
    left, right, top, bottom = 34, 6, 28, height - 20
    top_value = nice_max(max([r["received"] for r in rows] + [r["closed"] for r in rows] + [0]))
    n = max(len(rows), 1)
    step = (width - left - right) / n
    body = _legend([(i18n.text("bs_received", lang), charts.COLORS["received"], "bar"),
                    (i18n.text("bs_closed_in_hour", lang), charts.COLORS["closed"], "line")], left, 14)
    body += _y_axis(top_value, left, width - right, bottom, top)
    points = []
    for i, r in enumerate(rows):
        x = left + i * step
        h = (bottom - top) * r["received"] / top_value
        body.append(f'<rect x="{x + step * 0.15:.1f}" y="{bottom - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{charts.COLORS["received"]}"/>')
        points.append((x + step / 2, bottom - (bottom - top) * r["closed"] / top_value))
        if i % 3 == 0:
            body.append(_text(x + step / 2, height - 4, f"{r['hour']:%H}"))
    return _svg(width, height, body + _polyline(points, charts.COLORS["closed"]), "hourly")


def trend(rows: Sequence[dict[str, Any]], start: dt.date, end: dt.date, lang: str = "zh", *,
          width: int = 548, height: int = 250) -> str:
    """Received and closed per day (bars) and the closure rate (line, right axis) for the days in
    [start, end), from metrics.breakdown("day") rows; days without cases show 0 and no rate."""
    by_day = {str(r["group_id"]): r for r in rows}
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    left, right, top, bottom = 40, 44, 32, height - 22
    top_value = nice_max(max([by_day.get(d.isoformat(), {}).get("received", 0) for d in days] + [0]))
    step = (width - left - right) / max(len(days), 1)
    rate_name = i18n.text("axis_rate", lang)
    body = _legend([(fmt.metric_label("received", lang), charts.COLORS["received"], "bar"),
                    (fmt.metric_label("closed", lang), charts.COLORS["closed"], "bar"),
                    (rate_name, charts.COLORS["rate"], "line")], left, 16)
    body += _y_axis(top_value, left, width - right, bottom, top)
    body += _y_axis(100, left, width - right, bottom, top, right=True, fmt_tick=lambda v: f"{v:.0f}%")
    points: list[tuple[float, float] | None] = []
    for i, d in enumerate(days):
        r = by_day.get(d.isoformat(), {})
        x = left + i * step
        for j, key in enumerate(("received", "closed")):
            h = (bottom - top) * (r.get(key) or 0) / top_value
            body.append(f'<rect x="{x + step * (0.1 + 0.4 * j):.1f}" y="{bottom - h:.1f}" width="{step * 0.4:.1f}" '
                        f'height="{h:.1f}" fill="{charts.COLORS[key]}"/>')
        rate = r.get("closure_rate")
        points.append(None if rate is None else (x + step / 2, bottom - (bottom - top) * float(rate)))
        if (len(days) - 1 - i) % 7 == 0:
            body.append(_text(x + step / 2, height - 4, f"{d:%m-%d}"))
    return _svg(width, height, body + _polyline(points, charts.COLORS["rate"]), "trend")


def categories(rows: Sequence[dict[str, Any]], lang: str = "zh", *, top: int = 7, width: int = 436,
               height: int = 250) -> str:
    """Received per category, largest first (beyond `top` summed as 其他), values at the bar ends."""
    ordered = sorted(rows, key=lambda r: r.get("received") or 0, reverse=True)
    shown = [(i18n.term(r["group_name"], lang) if r.get("group_name") else i18n.text("uncategorised", lang),
              r.get("received") or 0) for r in ordered[:top]]
    if len(ordered) > top:
        shown.append((i18n.pick("其他", "Others", lang), sum(r.get("received") or 0 for r in ordered[top:])))
    if not shown:
        return _svg(width, height, [_text(width / 2, height / 2, i18n.text("bs_no_cases", lang))], "categories")
    label_w = 16 + max(text_width(str(name)) for name, _ in shown)
    bar_w = width - label_w - 56
    row_h = min(30.0, (height - 4) / len(shown))
    biggest = max(v for _, v in shown) or 1
    body = []
    for i, (name, value) in enumerate(shown):
        y = 2 + i * row_h
        w = bar_w * value / biggest
        body += [_text(label_w - 8, y + row_h * 0.68, name, anchor="end", color=charts.TEXT),
                 f'<rect x="{label_w}" y="{y + row_h * 0.15:.1f}" width="{w:.1f}" height="{row_h * 0.7:.1f}" '
                 f'fill="{charts.COLORS["received"]}"/>',
                 _text(label_w + w + 6, y + row_h * 0.68, f"{value:,}", anchor="start", color=charts.TEXT)]
    return _svg(width, height, body, "categories")
