"""Offline maps: pydeck decks built from the boundaries in the database, returned, never rendered.

Owns the wall screen's map: town and grid outlines (GeoJSON text in units.boundary), open cases
per grid as extruded columns at the grid centroids, grids with overdue cases as red dots, and
town names. Nothing is fetched at run time: the deck has no basemap (pydeck's map_provider=None
with its default style sentinel, which Streamlit's frontend leaves without a tile source), and the
town names are drawn by deck.gl's TextLayer with the browser's local CJK font.

The outlines are most of a deck's size (1.5 MB of GeoJSON for the demo county): a wall refreshing
every few seconds passes `outlines` (kind → URL of the server's /wall/outlines/ route, see
gridboard.server.outlines) so deck.gl loads them once and each refresh sends only the columns,
dots and labels. `outline_bytes` is what that route serves, `MapBase.digest` names its version.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pydeck as pdk

from gridboard.db import queries

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
Bounds = tuple[float, float, float, float]  # west, south, east, north


def _lit(text: str) -> str:
    """A constant string prop: pydeck reads a bare string as an accessor expression, a quoted one
    as text (it strips every occurrence of the outer quote character, so none may be inside)."""
    return f"'{text}'"


PIXELS = _lit("pixels")
HOTSPOTS = 15  # grids with the most overdue cases get a red dot


@dataclass(frozen=True)
class MapBase:
    """The static part of the map (changes only with the data version): outlines and centroids."""

    county_id: str | None
    towns: dict[str, Any]  # GeoJSON FeatureCollection of the towns (properties: unit_id, name)
    grids: dict[str, Any]  # GeoJSON FeatureCollection of the grids
    town_labels: list[dict[str, Any]]  # {unit_id, name, position: [lon, lat]}
    grid_points: dict[str, tuple[float, float, str, str | None]]  # grid → (lon, lat, name, town_id)
    bounds: dict[str, Bounds] = field(default_factory=dict)  # county and towns
    digest: str = ""  # of the outlines (outline_bytes): changes when a boundary changes

    @property
    def empty(self) -> bool:
        """No outline and no centroid at all: nothing to draw."""
        return not (self.towns["features"] or self.grids["features"] or self.grid_points or self.town_labels)

    def bounds_of(self, unit: str | None) -> Bounds | None:
        return self.bounds.get(unit or "") or self.bounds.get(self.county_id or "")


def _coords(geometry: Mapping[str, Any]) -> Iterator[tuple[float, float]]:
    def walk(c: Any) -> Iterator[tuple[float, float]]:
        if c and isinstance(c[0], int | float):
            yield float(c[0]), float(c[1])
        else:
            for part in c or []:
                yield from walk(part)

    if geometry.get("type") == "GeometryCollection":
        for g in geometry.get("geometries", []):
            yield from _coords(g)
    else:
        yield from walk(geometry.get("coordinates"))


def _bounds(points: list[tuple[float, float]]) -> Bounds | None:
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _geometry(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        geom = json.loads(text)
    except ValueError:
        return None
    return geom if isinstance(geom, dict) and "type" in geom else None


def base(con: duckdb.DuckDBPyConnection) -> MapBase:
    """Outlines, centroids and extents of the county, its towns and grids (cache per data version)."""
    rows = queries.rows(con, queries.text("bigscreen_units"), {})
    county = next((r["unit_id"] for r in rows if r["level"] == "county"), None)
    towns: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    points: dict[str, tuple[float, float, str, str | None]] = {}
    extents: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        geom = _geometry(r["boundary"])
        props = {"unit_id": r["unit_id"], "name": r["name"]}
        coords = list(_coords(geom)) if geom else []
        has_centre = r["lon"] is not None and r["lat"] is not None
        if r["level"] == "town":
            if geom:
                towns.append({"type": "Feature", "geometry": geom, "properties": props})
            if has_centre:
                labels.append({**props, "position": [r["lon"], r["lat"]]})
            extents.setdefault(r["unit_id"], []).extend(coords or ([(r["lon"], r["lat"])] if has_centre else []))
        elif r["level"] == "grid":
            if geom:
                grids.append({"type": "Feature", "geometry": geom, "properties": props})
            if has_centre:
                points[r["unit_id"]] = (float(r["lon"]), float(r["lat"]), r["name"], r["town_id"])
                if r["town_id"] and not coords:
                    extents.setdefault(r["town_id"], []).append((r["lon"], r["lat"]))
        elif r["level"] == "county" and coords:
            extents.setdefault(r["unit_id"], []).extend(coords)
    everything = [p for pts in extents.values() for p in pts] + [(p[0], p[1]) for p in points.values()]
    bounds = {k: b for k, pts in extents.items() if (b := _bounds(pts))}
    if county and county not in bounds and (b := _bounds(everything)):
        bounds[county] = b
    collection = {"type": "FeatureCollection"}
    mb = MapBase(county, {**collection, "features": towns}, {**collection, "features": grids}, labels, points, bounds)
    digest = hashlib.sha256(b"".join(outline_bytes(mb, kind) for kind in OUTLINES)).hexdigest()[:16]
    return MapBase(mb.county_id, mb.towns, mb.grids, labels, points, bounds, digest)


OUTLINES = ("towns", "grids")


def outline_bytes(mb: MapBase, kind: str) -> bytes:
    """The towns' or grids' outlines as a GeoJSON FeatureCollection of geometries only (no names)."""
    features = [{"type": "Feature", "geometry": f["geometry"], "properties": {}} for f in getattr(mb, kind)["features"]]
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode("utf-8")


def fit(bounds: Bounds, width: int, height: int, *, padding: float = 0.9) -> dict[str, float]:
    """Longitude, latitude and zoom that fit `bounds` in a width × height pixel map (web mercator)."""
    west, south, east, north = bounds

    def merc_y(lat: float) -> float:
        lat = max(-85.0, min(85.0, lat))
        return (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2

    dx = max(east - west, 1e-6) / 360.0
    dy = max(merc_y(south) - merc_y(north), 1e-6)
    zoom = math.log2(min(width * padding / (dx * 512), height * padding / (dy * 512)))
    return {"longitude": (west + east) / 2, "latitude": (south + north) / 2, "zoom": round(zoom, 3)}


DOT_LABEL_PX = 15  # grid names beside the red dots of the wall map


def _pixel(position: list[float], zoom: float) -> tuple[float, float]:
    """Web-Mercator pixel coordinates of [lon, lat] at `zoom` (only differences matter)."""
    scale = 256 * 2 ** zoom
    lat = math.radians(max(-85.0, min(85.0, position[1])))
    return scale * (position[0] + 180) / 360, scale * (1 - math.log(math.tan(math.pi / 4 + lat / 2)) / math.pi) / 2


def label_without_overlap(dots: list[dict[str, Any]], fixed: list[dict[str, Any]], view: Mapping[str, Any]
                          ) -> list[dict[str, Any]]:
    """The red dots whose grid-name label (above the dot) overlaps neither the town names nor a label
    kept before it, most overdue first: a crowded map names its worst grids and leaves the rest unnamed."""
    zoom = float(view.get("zoom", 1.0))
    boxes: list[tuple[float, float, float, float]] = []

    def box(position: list[float], text: str, size: int, lift: float) -> tuple[float, float, float, float]:
        x, y = _pixel(position, zoom)
        half = len(text) * size / 2 + 4
        return x - half, y - lift - size - 2, x + half, y - lift + 2

    def free(b: tuple[float, float, float, float]) -> bool:
        return all(b[2] <= o[0] or o[2] <= b[0] or b[3] <= o[1] or o[3] <= b[1] for o in boxes)

    for t in fixed:
        boxes.append(box(t["position"], str(t["name"]), 19, -10))  # centred on its point
    kept = []
    for d in sorted(dots, key=lambda r: -r["overdue"]):
        b = box(d["position"], str(d.get("name") or ""), DOT_LABEL_PX, 14)
        if d.get("name") and free(b):
            boxes.append(b)
            kept.append({"position": d["position"], "name": d["name"]})
    return kept


def wall_deck(
    mb: MapBase,
    grids: Mapping[str, Mapping[str, int]],
    *,
    focus: str | None = None,
    width: int = 740,
    height: int = 420,
    pitch: float = 30.0,
    outlines: Mapping[str, str] | None = None,
) -> pdk.Deck:
    """The wall map: outlines, open cases per grid as columns (height: open cases; colour: the share
    overdue, blue to red), red dots on the HOTSPOTS grids with the most overdue cases, town names.

    `grids` maps grid id → {"open": n, "overdue": n} (gridboard.bigscreen.grid_counts); `focus` (a
    town) is outlined brighter and framed. Static data first, so only the small layers change.
    `outlines` (kind → URL serving outline_bytes) makes the towns and grids layers load from
    those URLs instead of carrying the outlines in the deck.
    """
    in_focus = {gid for gid, p in mb.grid_points.items() if not focus or focus == mb.county_id or p[3] == focus}
    columns = []
    for gid, c in grids.items():
        p = mb.grid_points.get(gid)
        if p is None or gid not in in_focus or not c.get("open"):
            continue
        share = int(c.get("overdue", 0)) / int(c["open"])  # blue (none overdue) to red (all overdue)
        colour = [int(63 + 176 * share), int(167 - 99 * share), int(255 - 187 * share), 235]
        columns.append({"position": [p[0], p[1]], "open": int(c["open"]), "overdue": int(c.get("overdue", 0)),
                        "colour": colour, "name": p[2]})
    worst = sorted((r for r in columns if r["overdue"]), key=lambda r: -r["overdue"])[:HOTSPOTS]
    most = max((r["overdue"] for r in worst), default=1)
    dots = [{**r, "r": 4 + 8 * math.sqrt(r["overdue"] / most)} for r in worst]
    top = max((r["open"] for r in columns), default=1)
    box = mb.bounds_of(focus)
    span_km = 111.0 * ((box[2] - box[0]) if box else 0.4)
    view = fit(box, width, height, padding=0.95) if box else {"longitude": 0.0, "latitude": 0.0, "zoom": 1.0}
    focus_town = [f for f in mb.towns["features"] if f["properties"]["unit_id"] == focus]
    dot_labels = label_without_overlap(dots, mb.town_labels, view)
    layers = [
        pdk.Layer("GeoJsonLayer", (outlines or {}).get("towns") or {**mb.towns}, id="towns", stroked=True, filled=True,
                  get_fill_color=[19, 42, 74, 200], get_line_color=[63, 167, 255, 200],
                  line_width_units=PIXELS, get_line_width=2),
        pdk.Layer("GeoJsonLayer", (outlines or {}).get("grids") or {**mb.grids}, id="grids", stroked=True, filled=False,
                  get_line_color=[63, 120, 190, 90], line_width_units=PIXELS, get_line_width=1),
        pdk.Layer("GeoJsonLayer", {"type": "FeatureCollection", "features": focus_town}, id="focus",
                  stroked=True, filled=False, get_line_color=[255, 197, 61, 255], line_width_units=PIXELS,
                  get_line_width=4),
        pdk.Layer("ColumnLayer", columns, id="open", get_position="position", get_elevation="open",
                  elevation_scale=span_km * 50 / top, radius=span_km * 8, disk_resolution=12, extruded=True,
                  get_fill_color="colour", pickable=False),
        pdk.Layer("ScatterplotLayer", dots, id="overdue", get_position="position", radius_units=PIXELS,
                  get_radius="r", get_fill_color=[239, 68, 68, 235], stroked=True,
                  get_line_color=[255, 255, 255, 220], line_width_units=PIXELS, get_line_width=1,
                  radius_max_pixels=18, parameters={"depthTest": False}),
        pdk.Layer("TextLayer", mb.town_labels, id="town-names", get_position="position", get_text="name",
                  get_size=19, size_units=PIXELS, get_color=[240, 245, 252, 255], character_set=_lit("auto"),
                  font_family=_lit(FONT_FAMILY), font_weight=700, background=True,
                  get_background_color=[10, 22, 40, 190], background_padding=[4, 1],
                  billboard=True, get_text_anchor=_lit("middle"), get_alignment_baseline=_lit("center"),
                  parameters={"depthTest": False}),
        pdk.Layer("TextLayer", dot_labels, id="overdue-names", get_position="position", get_text="name",
                  get_size=DOT_LABEL_PX, size_units=PIXELS, get_color=[255, 220, 220, 255], character_set=_lit("auto"),
                  font_family=_lit(FONT_FAMILY), background=True, get_background_color=[60, 10, 10, 200],
                  background_padding=[3, 1], billboard=True, get_text_anchor=_lit("middle"),
                  get_alignment_baseline=_lit("bottom"), get_pixel_offset=[0, -14], parameters={"depthTest": False}),
    ]
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view, pitch=pitch, bearing=0),
        views=[pdk.View(type="MapView", controller=False)],
        map_provider=None,  # and no map_style: no basemap, nothing fetched
        tooltip=False,
    )


MAP_TESTID = "stDeckGlJsonChart"  # Streamlit's element around a pydeck chart


def no_webgl_script(message: str) -> str:
    """A <script> that, in a browser without WebGL (a wall PC with graphics acceleration off, a
    remote desktop), writes `message` into every map panel instead of leaving it blank: deck.gl
    draws nothing there and says nothing. WebGL is probed once per page; panels drawn later are
    caught by a MutationObserver. The message is kept per page and every run's script sets it, so a
    language switch without a reload rewrites the notes already shown. With WebGL it does nothing."""
    return """<script>(() => {
  window.__gbNoWebglText = MESSAGE;
  if (window.__gbNoWebgl === undefined) {
    const probe = document.createElement('canvas');
    let gl = null;
    try { gl = probe.getContext('webgl2') || probe.getContext('webgl'); } catch (e) { gl = null; }
    window.__gbNoWebgl = !gl;
    if (!gl) new MutationObserver(() => window.__gbNoWebglNote()).observe(document.body, {childList: true, subtree: true});
  }
  window.__gbNoWebglNote = () => document.querySelectorAll('[data-testid="TESTID"]').forEach(panel => {
    const text = window.__gbNoWebglText;
    const shown = panel.querySelector('[data-testid="gb-no-webgl"]');
    if (shown) { if (shown.textContent !== text) shown.textContent = text; return; }
    const box = document.createElement('div');
    box.setAttribute('data-testid', 'gb-no-webgl');
    box.setAttribute('role', 'status');
    box.textContent = text;
    box.style.cssText = 'position:absolute;inset:0;display:flex;align-items:center;justify-content:center;'
      + 'padding:1.5em;text-align:center;font-size:1rem;line-height:1.6;color:#cbd5e1;'
      + 'background:rgba(15,23,42,0.85);border:1px dashed #64748b;border-radius:8px;z-index:2';
    if (getComputedStyle(panel).position === 'static') panel.style.position = 'relative';
    panel.appendChild(box);
  });
  if (window.__gbNoWebgl) window.__gbNoWebglNote();
})();</script>""".replace("TESTID", MAP_TESTID).replace("MESSAGE", json.dumps(message))
