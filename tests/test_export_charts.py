"""Chart images for a 通报 (issue #15 item 4): every chart builder's figure, dressed for paper, has a
white background, no text in the screen's light colours, a title, the unit, the period (last day
included) and a source line; the PNG is drawn offline by the machine's Chromium with the plotly.js
of the plotly package, its pixels are opaque white paper with dark text, and it is named
unit_page_title_period.png. Plotly's own toolbar download (a transparent image of the dark screen
figure) is switched off."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from browser_support import SHOTS
from PIL import Image

from gridboard.core import export
from gridboard.render import chart_export, charts, charts_kpi

START, END = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 29)
AS_OF = dt.datetime(2026, 11, 28, 14, 5)
CAPTION = export.caption("每日受理与办结", "泗水县", START, END, AS_OF, page="总览")
DAYS = [{"group_id": f"2026-11-{d:02d}", "received": 10 + d % 5, "closed": 8 + d % 4, "closure_rate": 0.8 + d / 200}
        for d in range(1, 29)]
CATEGORIES = [{"group_name": n, "received": v, "closure_rate": 0.9}
              for n, v in (("环境卫生", 120), ("矛盾纠纷", 80), ("安全隐患", 60), ("民生服务", 30))]


def figures():
    yield "trend", charts.trend_figure(DAYS, start=START.date(), end=END.date())
    yield "categories", charts.category_figure(CATEGORIES)
    yield "gauge", charts_kpi.overall_gauge(0.87)


def font_colours(node, in_font=False):
    """Every colour set under a font anywhere in a figure's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "color" and in_font:
                yield from (value if isinstance(value, list) else [value])
            else:
                yield from font_colours(value, in_font or "font" in key)
    elif isinstance(node, list):
        for value in node:
            yield from font_colours(value, in_font)


def test_the_toolbar_download_is_off():
    assert "toImage" in charts.PLOTLY_CONFIG["modeBarButtonsToRemove"]


@pytest.mark.parametrize("name", ["trend", "categories", "gauge"])
def test_dressed_figure_is_white_with_dark_text_title_unit_period_and_source(name):
    fig = dict(figures())[name]
    dressed = chart_export.print_figure(fig, CAPTION).to_plotly_json()
    layout = dressed["layout"]
    assert layout["paper_bgcolor"] == "#ffffff" and layout["plot_bgcolor"] == "#ffffff"
    assert "总览 · 每日受理与办结" in layout["title"]["text"]
    assert layout["title"]["subtitle"]["text"] == "泗水县 · 2026-11-01 至 2026-11-28 · 数据截至：2026-11-28 14:05"
    assert any("数据来源" in a["text"] for a in layout["annotations"])
    light = [c for c in font_colours(dressed) if isinstance(c, str) and (chart_export.luminance(c) or 0) > chart_export.LIGHT]
    assert light == [], light
    # the screen figure itself is untouched (its dark dress, from the dashboard's template, stays on screen)
    assert fig.layout.paper_bgcolor is None and fig.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"
    assert fig.layout.template.layout.font.color == charts.TEXT


def test_luminance():
    assert chart_export.luminance("#ffffff") == pytest.approx(1)
    assert chart_export.luminance("#000") == pytest.approx(0)
    assert chart_export.luminance(charts.MUTED) > chart_export.LIGHT > chart_export.luminance(chart_export.INK_SOFT)
    assert chart_export.luminance("rgba(0,0,0,0)") == pytest.approx(1)  # transparent over white paper
    assert chart_export.luminance("steelblue") is None


def near(pixel, colour, tolerance=10):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.skipif(not chart_export.available(), reason="no Chromium for kaleido (apt-get install chromium)")
def test_png_is_opaque_white_paper_with_dark_text():
    fig = dict(figures())["trend"]
    data = chart_export.png_bytes(fig, CAPTION)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / CAPTION.file_name("png")).write_bytes(data)  # for a person to look at
    image = Image.open(io.BytesIO(data))
    dressed = chart_export.print_figure(fig, CAPTION)
    assert image.size == (chart_export.WIDTH * chart_export.SCALE, int(dressed.layout.height) * chart_export.SCALE)
    rgba = image.convert("RGBA")
    assert rgba.getextrema()[3] == (255, 255), "some pixels are transparent"
    w, h = rgba.size
    for corner in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        assert near(rgba.getpixel(corner), (255, 255, 255), 2)
    # per-pixel counts over the whole image in numpy (a Python loop over its 3.4 M pixels took 12 s)
    rgb = np.asarray(rgba.convert("RGB"), dtype=np.int16)
    dark = int((rgb.sum(axis=2) < 200).sum())
    assert dark > 2000  # title, subtitle, axis labels and the source line are drawn in dark ink
    screen_text = [[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in (charts.TEXT, charts.MUTED)]
    pale = np.zeros(rgb.shape[:2], dtype=bool)
    for colour in screen_text:  # near(pixel, colour, 6) for every pixel at once
        pale |= np.abs(rgb - np.array(colour, dtype=np.int16)).max(axis=2) <= 6
    assert int(pale.sum()) < 200  # no pale screen text
    # the title band (above the plot) holds dark text: the title was drawn, in the CJK font
    band = rgba.crop((0, 0, w, chart_export.TOP * chart_export.SCALE)).convert("L")
    assert band.getextrema()[0] < 80


def test_png_file_name():
    assert CAPTION.file_name("png") == "泗水县_总览_每日受理与办结_2026-11-01至2026-11-28.png"


def test_reference_lines_in_the_screen_text_colour_turn_dark_coloured_ones_stay():
    fig = charts.trend_figure(DAYS, start=START.date(), end=END.date())
    fig.add_vline(x="2026-11-10", line={"color": charts.TEXT})
    fig.add_vline(x="2026-11-20", line={"color": charts.COLORS["closed"]})
    shapes = chart_export.print_figure(fig, CAPTION).layout.shapes
    assert [s.line.color for s in shapes] == [chart_export.INK, charts.COLORS["closed"]]
