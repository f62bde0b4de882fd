"""Chart images for a 通报: any figure of the chart builders as a PNG fit for white paper.

Owns the export layout — a copy of the figure on a white background with dark text and light
grid lines (the on-screen figures are dark: transparent over the navy page, light text), a title,
a subtitle with the unit, the period (last day included) and the as-of time, and a source line
under the plot — and drawing it offline: kaleido runs plotly.js from the plotly package
(package_data/plotly.min.js, never the CDN; MathJax off) in the machine's Chromium
(/usr/bin/chromium, fonts-noto-cjk), so the CJK text is drawn with Noto Sans CJK and embedded in
the image as pixels. One image is drawn at a time (a lock): each draw starts a browser.
The chart's content (traces, axes, colours of the data) is the builders'; only its dress changes.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

from gridboard.core import export, fmt, i18n
from gridboard.render import charts

INK = "#1f2733"  # text on white
INK_SOFT = "#4a5566"  # tick labels, axis titles, notes
GRID_LIGHT = "#dfe4ea"
AXIS_LINE = "#8d97a6"
WIDTH = 1400  # layout pixels; drawn at SCALE
SCALE = 2
TOP, BOTTOM = 118, 96  # px above the plot for title and subtitle (and a legend), below it for the source
LIGHT = 0.4  # relative luminance above which a text colour is too light for white paper (the muted #9fb3cf is 0.44)
PALE = 0.7  # above which a reference line (drawn in the screen's text colour) is too pale: coloured lines stay

_LOCK = threading.Lock()
_CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "chrome")
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_RGB = re.compile(r"^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$")
_LINE_KEYS = {"gridcolor": GRID_LIGHT, "zerolinecolor": GRID_LIGHT, "linecolor": AXIS_LINE, "tickcolor": AXIS_LINE}


class ImageError(RuntimeError):
    """The image could not be drawn (no Chromium, or the browser failed)."""


def luminance(colour: str) -> float | None:
    """Relative luminance 0 (black) … 1 (white) of a #hex / rgb() / rgba() colour; None otherwise.
    A transparent rgba colour counts as lighter (it shows the white paper through)."""
    colour = colour.strip()
    alpha = 1.0
    if m := _HEX.match(colour):
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        if len(h) == 8:
            alpha = int(h[6:8], 16) / 255
    elif m := _RGB.match(colour):
        rgb = [float(m.group(i)) / 255 for i in (1, 2, 3)]
        alpha = float(m.group(4)) if m.group(4) is not None else 1.0
    else:
        return None

    def channel(c: float) -> float:
        c = c * alpha + (1 - alpha)  # over white
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _is_light(value: Any) -> bool:
    return isinstance(value, str) and (lum := luminance(value)) is not None and lum > LIGHT


def _darken_text(node: Any, in_text: bool = False) -> Any:
    """Walk a figure's JSON: every light text colour (under a font) becomes INK_SOFT, axis grid and
    line colours become light grey; trace and marker colours (the data's) are left alone."""
    if isinstance(node, list):
        return [_darken_text(v, in_text) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _LINE_KEYS and isinstance(value, str):
            out[key] = _LINE_KEYS[key]
        elif key == "color" and in_text:
            out[key] = [INK_SOFT if _is_light(v) else v for v in value] if isinstance(value, list) else (
                INK_SOFT if _is_light(value) else value)
        elif key == "bgcolor" and isinstance(value, str) and not _is_light(value) and value not in ("rgba(0,0,0,0)",):
            out[key] = "rgba(255,255,255,0.85)"  # a dark label box (the histogram's median/P90 notes)
        else:
            out[key] = _darken_text(value, in_text or "font" in key)
    return out


def _darken_lines(fig: go.Figure) -> None:
    """Reference lines drawn in the light text colour (targets, 1 = on target) and a gauge's bar
    and threshold become dark."""
    for shape in fig.layout.shapes or ():
        if isinstance(shape.line.color, str) and (luminance(shape.line.color) or 0) > PALE:
            shape.line.color = INK
    for trace in fig.data:
        if trace.type == "indicator" and trace.gauge is not None:
            if _is_light(trace.gauge.bar.color):
                trace.gauge.bar.color = INK
            if _is_light(trace.gauge.threshold.line.color):
                trace.gauge.threshold.line.color = INK
        if trace.type == "waterfall" and _is_light(trace.connector.line.color):
            trace.connector.line.color = AXIS_LINE


def _paper_axes(fig: go.Figure) -> None:
    """Axis lines, grid and ticks for paper where the figure does not set its own: the screen's came
    from the dashboard's template (charts.TEMPLATE), which the paper copy replaces."""
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        for key, colour in _LINE_KEYS.items():
            if key != "tickcolor" and axis[key] is None:
                axis[key] = colour
        if axis.tickfont.color is None:
            axis.tickfont.color = INK_SOFT


def print_figure(fig: go.Figure, caption: export.Caption, *, width: int = WIDTH) -> go.Figure:
    """A copy of `fig` dressed for paper: white, dark text, title (the caption's heading), subtitle
    (unit · period · as of) and the source line under the plot, at a fixed size."""
    data = _darken_text(copy.deepcopy(fig.to_plotly_json()))
    data["layout"].pop("template", None)
    out = go.Figure(data)
    _darken_lines(out)
    plot_height = max(int(fig.layout.height or 360), 300)
    legend_room = 28 if fig.layout.showlegend is not False and len(fig.data) > 1 else 0
    top = TOP + legend_room + (44 if any(t.type == "indicator" for t in fig.data) else 0)  # a gauge's own title
    out.update_layout(
        template="plotly_white",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        width=width,
        height=plot_height + top + BOTTOM,
        font={"family": charts.FONT_FAMILY, "color": INK, "size": 15},
        title={
            "text": f"<b>{fmt.escape_label(caption.heading)}</b>",
            "subtitle": {"text": fmt.escape_label(caption.subtitle()), "font": {"size": 15, "color": INK_SOFT}},
            "x": 0.01, "xanchor": "left", "xref": "paper", "y": 1 - 14 / (plot_height + top + BOTTOM),
            "yanchor": "top", "yref": "container", "font": {"size": 22, "color": INK},
        },
        margin={"l": 70, "r": 70, "t": top, "b": BOTTOM, "autoexpand": True},
        legend={"font": {"color": INK}, "bgcolor": "rgba(255,255,255,0)"},
    )
    if legend_room:
        out.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0})
    _paper_axes(out)
    if out.layout.polar is not None and out.layout.polar.bgcolor is not None:
        out.update_polars(bgcolor="#ffffff")
    out.add_annotation(
        text=fmt.escape_label(i18n.text("exp_source", caption.lang)), showarrow=False,
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-(BOTTOM - 30),
        align="left", font={"size": 13, "color": INK_SOFT},
    )
    return out


def chromium() -> str | None:
    """The browser kaleido draws with: $BROWSER_PATH, else Chromium on the PATH (Debian's
    /usr/bin/chromium); None when there is none."""
    if (env := os.environ.get("BROWSER_PATH")) and Path(env).is_file():
        return env
    return next((found for name in _CHROMIUM if (found := shutil.which(name))), None)


def available() -> bool:
    """True when a PNG can be drawn here (kaleido installed and a Chromium found)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return chromium() is not None


def png_bytes(fig: go.Figure, caption: export.Caption, *, width: int = WIDTH, scale: int = SCALE) -> bytes:
    """The figure dressed by print_figure as a PNG (width × scale pixels wide), drawn offline."""
    browser = chromium()
    if browser is None:
        raise ImageError("no Chromium found (install Debian's chromium or set BROWSER_PATH)")
    import kaleido

    dressed = print_figure(fig, caption, width=width)
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    opts = {"format": "png", "width": width, "height": int(dressed.layout.height), "scale": scale}
    kopts = {"plotlyjs": str(plotly_js), "mathjax": False, "path": browser}
    with _LOCK:
        try:
            return kaleido.calc_fig_sync(dressed.to_plotly_json(), opts=opts, kopts=kopts)
        except Exception as exc:  # the browser's own failures come in many types
            raise ImageError(str(exc) or type(exc).__name__) from exc
