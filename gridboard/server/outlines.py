"""GET /wall/outlines/{towns|grids}.geojson?d=DIGEST: the wall map's static outlines, served once.

The wall's deck would otherwise carry 1.5 MB of GeoJSON (the demo county's towns and grids) on
every refresh of every wall; with these URLs in its GeoJsonLayers deck.gl fetches them once and
each refresh sends only the small layers. The answer is geometry only (no unit ids or names),
built from the served database once per data version (gridboard.render.maps.outline_bytes). When
`d` equals the current outlines' digest (MapBase.digest, which the page puts in the URL) the
answer may be cached for a day; otherwise (an old digest) it is the current outlines, not cached.
No login: a kiosk wall has no cookie, and outlines are no personal data.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gridboard.db import store
from gridboard.render import maps
from gridboard.wall.shared import SingleFlight

_MEMO = SingleFlight(max_entries=4)  # (database, data version) → (digest, {kind: bytes})


def current(svc: object) -> tuple[str, dict[str, bytes]]:
    """(digest, {kind: GeoJSON bytes}) of the served database's outlines at its data version."""
    con = svc.worker.con  # type: ignore[attr-defined]
    if con is None:
        raise store.StoreError("the server's database is not open")
    cur = con.cursor()
    try:
        version = store.data_version(cur)

        def build() -> tuple[str, dict[str, bytes]]:
            mb = maps.base(cur)
            return mb.digest, {kind: maps.outline_bytes(mb, kind) for kind in maps.OUTLINES}

        return _MEMO.get((str(svc.db_path), version), build)  # type: ignore[attr-defined]
    finally:
        cur.close()


async def outlines(request: Request) -> Response:
    from gridboard.server import api  # the running Service (api owns the lifespan)

    kind = request.path_params["kind"]
    if kind not in maps.OUTLINES:
        return Response("not found", status_code=404, media_type="text/plain")
    svc = api.service()
    if svc is None or svc.worker.con is None:
        return Response("starting", status_code=503, media_type="text/plain")
    digest, bodies = await asyncio.to_thread(current, svc)
    fresh = request.query_params.get("d") == digest
    return Response(bodies[kind], media_type="application/geo+json", headers={
        "Cache-Control": "public, max-age=86400, immutable" if fresh else "no-cache"})


def url(kind: str, digest: str) -> str:
    """The page's URL of one outline file (relative to the server's root)."""
    return f"/wall/outlines/{kind}.geojson?d={digest}"


def routes() -> list[Route]:
    return [Route("/wall/outlines/{kind}.geojson", outlines, methods=["GET"])]
