"""Static PNG charts of the bulletin, drawn on this machine with matplotlib (Agg, no display, no
internet) in Noto Sans CJK from Debian's fonts-noto-cjk, so the Chinese labels render in the
.docx and the printable page alike. Input is content.Chart data; output is PNG bytes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import threading
from collections import OrderedDict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gridboard.bulletin.content import Chart  # noqa: E402

FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts"))
FONT_NAMES: tuple[str, ...] = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansCJK-Regular.otf")
COLOURS: tuple[str, ...] = ("#1d4ed8", "#f59e0b", "#16a34a", "#9ca3af")
WIDTH_IN, DPI = 6.3, 200  # 16 cm wide: the text width of an A4 page with 2.5 cm margins
CACHE_SIZE = 48  # PNGs kept: the page, its .docx and its HTML download draw the same charts once
_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


class FontMissing(RuntimeError):
    """No CJK font on this machine (install Debian's fonts-noto-cjk)."""


@functools.cache
def cjk_font() -> str:
    """The family name of the CJK font, registered with matplotlib once."""
    for folder in FONT_DIRS:
        for name in FONT_NAMES:
            found = next(iter(sorted(folder.rglob(name))), None) if folder.is_dir() else None
            if found is not None:
                font_manager.fontManager.addfont(str(found))
                family = font_manager.FontProperties(fname=str(found)).get_name()
                matplotlib.rcParams.update({"font.family": family, "font.size": 9, "axes.unicode_minus": False})
                return family
    raise FontMissing("找不到中文字体（Noto Sans CJK），请安装 fonts-noto-cjk")


def _figure(height_in: float) -> Figure:
    """A figure of its own (no pyplot state: sessions and API requests draw in parallel threads)."""
    cjk_font()
    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes (about 1260 px wide); the same chart data is drawn once."""
    key = hashlib.sha256(repr(chart).encode("utf-8")).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    data = _draw(chart)
    with _lock:
        _cache[key] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return data


def _draw(chart: Chart) -> bytes:
    if chart.kind == "daily":
        return _png(_daily(chart))
    if chart.kind == "hbars":
        return _png(_hbars(chart))
    if chart.kind == "dots":
        return _png(_dots(chart))
    raise ValueError(f"unknown chart kind {chart.kind!r}")


def _style(ax, title: str) -> None:  # type: ignore[no-untyped-def]
    ax.set_title(title, fontsize=11, loc="left", pad=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    ax.set_axisbelow(True)


def _daily(chart: Chart) -> Figure:
    fig = _figure(2.6)
    ax = fig.add_subplot()
    x = range(len(chart.labels))
    (bar_name, bars), *rest = chart.series
    ax.bar(x, [v or 0 for v in bars], color=COLOURS[0], width=0.7, label=bar_name)
    for i, (name, values) in enumerate(rest, start=1):
        ax.plot(x, [v if v is not None else float("nan") for v in values], color=COLOURS[i], linewidth=1.4,
                marker="o", markersize=2.2, label=name)
    step = max(1, len(chart.labels) // 10)
    ax.set_xticks(list(x)[::step], chart.labels[::step])
    ax.set_ylabel(chart.unit)
    _style(ax, chart.title)
    ax.legend(frameon=False, loc="upper right", ncols=len(chart.series), fontsize=8)
    return fig


def _hbars(chart: Chart) -> Figure:
    n, k = len(chart.labels), len(chart.series)
    fig = _figure(max(1.8, 0.28 * n * k + 0.8))
    ax = fig.add_subplot()
    height = 0.8 / k
    for i, (name, values) in enumerate(chart.series):
        ys = [j + i * height - 0.4 + height / 2 for j in range(n)]
        bars = ax.barh(ys, [v or 0 for v in values], height=height * 0.9, color=COLOURS[i % len(COLOURS)], label=name)
        for bar, v in zip(bars, values, strict=True):
            text = "—" if v is None else (f"{v:.1f}" if chart.unit == "%" else f"{v:,.0f}")
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {text}", va="center", fontsize=6.5)
    ax.set_yticks(range(n), chart.labels)
    ax.invert_yaxis()
    ax.set_xlabel(chart.unit)
    _finish(ax, chart.title, k)
    return fig


def _finish(ax, title: str, k: int) -> None:  # type: ignore[no-untyped-def]
    _style(ax, title)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=k, fontsize=8)


def _dots(chart: Chart) -> Figure:
    """One row per label, one marker per series (rates in percent): compact for a dozen units."""
    n, k = len(chart.labels), len(chart.series)
    fig = _figure(max(1.8, 0.27 * n + 1.0))
    ax = fig.add_subplot()
    markers = ("o", "s", "D", "^")
    for i, (name, values) in enumerate(chart.series):
        pts = [(v, j) for j, v in enumerate(values) if v is not None]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=22, marker=markers[i % len(markers)],
                   color=COLOURS[i % len(COLOURS)], label=name, zorder=3)
    ax.set_yticks(range(n), chart.labels)
    ax.set_ylim(n - 0.5, -0.5)
    low = min((v for _, vals in chart.series for v in vals if v is not None), default=0.0)
    if chart.unit == "%":
        ax.set_xlim(max(0.0, min(80.0, low - 3)), 101)
    ax.set_xlabel(chart.unit)
    _finish(ax, chart.title, k)
    ax.grid(axis="y", visible=True, color="#f3f4f6", linewidth=0.6)
    return fig
