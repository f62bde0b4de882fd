"""The bulletin as a printable HTML page: one self-contained file (inline CSS, charts as data: URIs,
local font names only, nothing fetched), A4 with Chinese typography and page breaks; and the same
article with its scoped style for showing inside the dashboard. Every text is escaped (Jinja2
autoescape). No streamlit here.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from markupsafe import Markup

from gridboard.bulletin import charts, content
from gridboard.bulletin.content import Bulletin
from gridboard.metrics import shared

HERE = Path(__file__).resolve().parent


@functools.cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@functools.cache
def css() -> str:
    return (HERE / "bulletin.css").read_text(encoding="utf-8")


def images(b: Bulletin) -> dict[str, str]:
    """chart key → data: URI of its PNG."""
    out = {}
    for section in b.sections:
        for chart in section.charts:
            out[chart.key] = "data:image/png;base64," + base64.b64encode(charts.png(chart)).decode("ascii")
    return out


def article(b: Bulletin, uris: dict[str, str] | None = None) -> str:
    """The bulletin's <article> (escaped), for the page and for the dashboard."""
    return _env().get_template("article.html.j2").render(b=b, images=uris if uris is not None else images(b))


def fragment(b: Bulletin) -> str:
    """Style plus article, to show inside another page (every rule is scoped under .gb-bulletin,
    except @page and @media print, which only apply when printing)."""
    return f"<style>{css()}</style>{article(b)}"


def document(b: Bulletin) -> str:
    """The whole printable HTML file."""
    return _env().get_template("bulletin.html.j2").render(b=b, css=Markup(css()), article=Markup(article(b)))


def build_view(con: duckdb.DuckDBPyConnection, **window: Any) -> tuple[Bulletin, str]:
    """content.build(con, **window) and its fragment, in one call (the page caches both together),
    kept by the process per database and data version (shared.value: a second viewer, or the page
    after the warm asked it, reads the built one; a bulletin is frozen data)."""
    def build() -> tuple[Bulletin, str]:
        b = content.build(con, **window)
        return b, fragment(b)

    if not isinstance(con, duckdb.DuckDBPyConnection):
        return build()
    return shared.value(con, ("bulletin",), window, build)


def to_bytes(b: Bulletin) -> bytes:
    return document(b).encode("utf-8")
