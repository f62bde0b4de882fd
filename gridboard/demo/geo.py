"""Plane geometry of the demo county: the outline, nested Voronoi partitions, GeoJSON text.

The demo cuts towns, communities/villages and grids out of a county outline read at build time
(a GeoJSON file) or, when that file is missing, out of a built-in smooth blob of similar size.
All cutting happens in a local kilometre plane (equirectangular around the county's centre) so
cells are not stretched east-west; geometries go back to lon/lat only when serialised. Children
are Voronoi cells of Lloyd-relaxed seeded points clipped to the parent, so every level nests
exactly in the one above. Deterministic for a given numpy Generator.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry

# Local plane origin and scale: near 泗水's centre. A fixed origin (not the outline's own centre)
# keeps the projection identical whichever outline is used.
LON0, LAT0 = 117.35, 35.63
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320 * math.cos(math.radians(LAT0))

# Shape of the fallback outline: half-widths in degrees and harmonic wobbles (amplitude, phase)
# chosen by hand to give a plausible county, not traced from any real boundary.
_BLOB_HALF_LON, _BLOB_HALF_LAT = 0.21, 0.14
_BLOB_WOBBLE = ((2, 0.10, 0.6), (3, 0.07, 2.1), (5, 0.035, 4.0), (7, 0.02, 1.3))


@dataclass(frozen=True)
class Outline:
    """County outline in the km plane, and whether it came from the real file."""

    geom: BaseGeometry
    real: bool
    source: str


def to_km(lon: float | np.ndarray, lat: float | np.ndarray) -> tuple[Any, Any]:
    """lon/lat degrees -> local km (x east, y north)."""
    return (np.asarray(lon) - LON0) * KM_PER_DEG_LON, (np.asarray(lat) - LAT0) * KM_PER_DEG_LAT


def to_lonlat(x: float | np.ndarray, y: float | np.ndarray) -> tuple[Any, Any]:
    """Local km -> lon/lat degrees."""
    return np.asarray(x) / KM_PER_DEG_LON + LON0, np.asarray(y) / KM_PER_DEG_LAT + LAT0


def _km_coords(coords: np.ndarray) -> np.ndarray:
    x, y = to_km(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def _lonlat_coords(coords: np.ndarray) -> np.ndarray:
    lon, lat = to_lonlat(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def fallback_outline() -> BaseGeometry:
    """A smooth blob of the county's extent (about 45 x 36 km), in the km plane."""
    return blob(0.0, 0.0, _BLOB_HALF_LON * KM_PER_DEG_LON, _BLOB_HALF_LAT * KM_PER_DEG_LAT, _BLOB_WOBBLE)


def load_outline(path: Path | None) -> Outline:
    """The outline from a GeoJSON file (FeatureCollection, Feature or bare geometry).

    Falls back to `fallback_outline()` when the path is None, missing or holds no polygon, so a
    demo can always be built (the summary reports which one was used).
    """
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            geoms = []
            if data.get("type") == "FeatureCollection":
                geoms = [shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]
            elif data.get("type") == "Feature":
                geoms = [shape(data["geometry"])]
            else:
                geoms = [shape(data)]
            merged = shapely.make_valid(shapely.union_all(geoms))
            polys = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type in ("Polygon", "MultiPolygon")]
            if polys:
                geom = shapely.transform(shapely.union_all(polys), _km_coords)
                return Outline(geom, True, str(path))
        except (OSError, ValueError, KeyError, TypeError, shapely.errors.ShapelyError):
            pass  # unreadable outline: the built-in shape keeps the demo buildable
    return Outline(fallback_outline(), False, "built-in shape")


def sample_points(geom: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform random points inside geom (rejection sampling in its bounding box), shape (n, 2)."""
    if n <= 0:
        return np.empty((0, 2))
    if geom.area <= 0:  # nothing to sample from: rejection sampling would never stop
        p = geom.representative_point() if not geom.is_empty else Point(0.0, 0.0)
        return np.tile([p.x, p.y], (n, 1))
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        batch = max(16, 3 * (n - have))
        pts = np.column_stack([rng.uniform(minx, maxx, batch), rng.uniform(miny, maxy, batch)])
        pts = pts[shapely.contains_xy(geom, pts[:, 0], pts[:, 1])]
        found.append(pts)
        have += len(pts)
    return np.concatenate(found)[:n]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygon parts (clipping can leave slivers of lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def label_point(geom: BaseGeometry) -> Point:
    """The centroid when it lies inside the shape, else a point surely inside (concave cells)."""
    c = geom.centroid
    return c if geom.contains(c) else geom.representative_point()


def voronoi_cells(parent: BaseGeometry, points: np.ndarray) -> list[BaseGeometry]:
    """Voronoi cells of the points clipped to parent, in the points' order (they tile parent)."""
    if len(points) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=parent, ordered=True)
    cells = [_polygonal(shapely.intersection(cell, parent)) for cell in diagram.geoms]
    if len(cells) != len(points):  # only if two points coincide, which random floats never do
        raise ValueError("voronoi lost a cell (duplicate seed points)")
    return cells


def partition(
    parent: BaseGeometry, n: int, rng: np.random.Generator, *, relax: int = 2,
    points: np.ndarray | None = None,
) -> list[BaseGeometry]:
    """Split parent into n cells: random points, `relax` Lloyd steps, clipped Voronoi cells.

    Lloyd steps move each point to its cell's centre, which evens out the cell sizes so the
    map looks like planned grids rather than shattered glass.
    """
    pts = sample_points(parent, n, rng) if points is None else points
    cells = voronoi_cells(parent, pts)
    for _ in range(relax):
        pts = np.array([[p.x, p.y] for p in (label_point(c) for c in cells)])
        cells = voronoi_cells(parent, pts)
    return cells


def blob(cx: float, cy: float, rx: float, ry: float, wobble: tuple[tuple[int, float, float], ...] = (),
         segments: int = 180) -> BaseGeometry:
    """An ellipse whose radius wobbles by harmonics (k, amplitude, phase): a town-like shape."""
    t = np.linspace(0.0, 2 * math.pi, segments + 1)[:-1]
    r = np.ones_like(t)
    for k, amp, phase in wobble:
        r += amp * np.cos(k * t + phase)
    return shapely.Polygon(np.column_stack([cx + rx * r * np.cos(t), cy + ry * r * np.sin(t)]))


def lonlat_of(point: Point) -> tuple[float, float]:
    """lon/lat of a km-plane point, rounded to 6 decimals (~0.1 m)."""
    lon, lat = to_lonlat(point.x, point.y)
    return round(float(lon), 6), round(float(lat), 6)


def _round_coords(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), ndigits) for v in obj]
        return [_round_coords(v, ndigits) for v in obj]
    return obj


def geojson(geom: BaseGeometry, *, tolerance_km: float = 0.02, ndigits: int = 5) -> str | None:
    """Compact GeoJSON geometry text in lon/lat: simplified, coordinates rounded (5 dp ~ 1 m)."""
    if geom.is_empty:
        return None
    simple = shapely.simplify(geom, tolerance_km, preserve_topology=True)
    ll = shapely.transform(simple, _lonlat_coords)
    m = mapping(ll)
    return json.dumps(
        {"type": m["type"], "coordinates": _round_coords(m["coordinates"], ndigits)},
        separators=(",", ":"),
    )
