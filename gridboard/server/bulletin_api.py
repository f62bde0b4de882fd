"""GET /api/v1/bulletin: the monthly bulletin (月度通报) from the running server, which holds the
database, as .docx (default) or the printable HTML; the same gridboard.bulletin functions as the
page and `python -m gridboard bulletin`.

Query: month=YYYY-MM (or from=YYYY-MM-DD&to=YYYY-MM-DD), unit=ID, as_of=YYYY-MM-DDTHH:MM[:SS],
format=docx|html. Token of any account. 400 with a JSON {"error": ...} for bad input.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gridboard.bulletin import content, dates, page, word
from gridboard.core import config
from gridboard.db import store
from gridboard.metrics import engine, kpi_json
from gridboard.server import api

PARAMS = ("month", "from", "to", "unit", "as_of", "format")
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "html": "text/html; charset=utf-8"}


def _window(q: Any) -> tuple[dt.datetime, dt.datetime]:
    if q.get("month") and (q.get("from") or q.get("to")):
        raise ValueError("give either month or from/to, not both")
    if q.get("month"):
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", q["month"]):
            raise ValueError(f"not a month YYYY-MM: {q['month']!r}")
        return dates.month_bounds(q["month"])
    if q.get("from") and q.get("to"):
        return kpi_json.parse_date(q["from"]), kpi_json.parse_date(q["to"])
    raise ValueError("give month=YYYY-MM (or from and to)")


async def bulletin(request: Request) -> Response:
    _, denied = api._user(request, None)
    if denied is not None:
        return denied
    svc = api._running()
    if isinstance(svc, JSONResponse):
        return svc
    q = request.query_params
    unknown = set(q.keys()) - set(PARAMS)
    if unknown:
        return api._error(400, f"unknown parameter(s): {', '.join(sorted(unknown))} ({', '.join(PARAMS)})")
    form = q.get("format") or "docx"
    if form not in MEDIA:
        return api._error(400, "format must be docx or html")
    try:
        start, end = _window(q)
        as_of = kpi_json.parse_time(q["as_of"]) if q.get("as_of") else None
    except ValueError as exc:
        return api._error(400, str(exc))

    def answer() -> tuple[content.Bulletin, bytes]:
        assert svc.worker.con is not None
        cur = svc.worker.con.cursor()
        try:
            b = content.build(cur, start=start, end=end, as_of=as_of or config.load().now(), unit=q.get("unit") or None)
        finally:
            cur.close()
        return b, word.to_bytes(b) if form == "docx" else page.to_bytes(b)

    try:
        b, data = await asyncio.to_thread(answer)
    except (engine.MetricError, content.BulletinError, store.StoreError) as exc:
        return api._error(400, str(exc))
    name = f"bulletin_{b.unit_id}_{start:%Y%m%d}_{end:%Y%m%d}.{form}"
    return Response(data, media_type=MEDIA[form], headers={"Content-Disposition": f'attachment; filename="{name}"'})
