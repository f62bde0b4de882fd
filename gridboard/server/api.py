"""The HTTP API on the dashboard's port (JSON, versioned /api/v1/...) and the lifespan that runs
the server's Service.

- POST /api/v1/ingest?table=cases&mapping=PRESET[&add_units_under=UNIT], multipart field `file`, Bearer token of an
  analyst or admin: the ingest report; 200 when loaded (also partly, or nothing to change),
  422 when nothing could be loaded, 400 bad request, 401 no/unknown token, 403 other roles,
  503 when the server stops before the file was loaded (the file is kept and loaded after restart).
- GET /api/v1/kpis?unit=&from=&to=&as_of=&by=, token of any account: exactly the CLI's JSON.
- GET /api/v1/bulletin?month=YYYY-MM&unit=&as_of=&format=docx|html, any token: the monthly bulletin
  (gridboard/server/bulletin_api.py).
- GET /api/v1/health, no token: status, data_version, newest case, queue length, last ingest, and
  wall_computations (live refreshes of the wall computed so far: one per tick and data version).
- POST /api/v1/feed?rate=N&minutes=M, analyst/admin: one tick of the demo feed (testing).
- GET /wall/outlines/{towns|grids}.geojson: the wall map's outlines (gridboard/server/outlines.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridboard.core import config, schema
from gridboard.db import store
from gridboard.ingest.mapping import list_presets
from gridboard.metrics import engine, kpi_json
from gridboard.server import tokens
from gridboard.server.service import Service
from gridboard.server.worker import Job, error_dict
from gridboard.wall import board

WRITE_ROLES = ("analyst", "admin")
MAX_UPLOAD = 500 * 1024 * 1024
_service: Service | None = None


def service() -> Service | None:
    return _service


def data_written() -> None:
    """The import page committed (a load or an undo): the running server's warmer, if any, warms
    the first screens for the new data version once its worker is quiet (gridboard/server/warm.py).
    Outside a server (`streamlit run app.py`, AppTest without one) there is nothing to warm."""
    svc = _service
    if svc is not None:
        svc.worker.written()


def lifespan(url: Callable[[], str | None] | None = None) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """The st.App lifespan: start the Service before serving, stop it on shutdown."""

    @contextlib.asynccontextmanager
    async def run(_app: Any) -> AsyncIterator[None]:
        global _service
        try:
            svc = Service(url=url() if url else None)
        except config.ConfigError as exc:  # every page shows it in Chinese; the live parts stay off (503)
            print(f"gridboard: live parts not started: {exc}", file=sys.stderr, flush=True)
            yield
            return
        await asyncio.to_thread(svc.start)
        _service = svc
        try:
            yield
        finally:
            _service = None
            await asyncio.to_thread(svc.stop)

    return run


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _user(request: Request, roles: tuple[str, ...] | None) -> tuple[Any, JSONResponse | None]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, _error(401, "missing bearer token (Authorization: Bearer TOKEN; make one with: "
                                 "python -m gridboard token create --user NAME)")
    user = tokens.verify(token.strip())
    if user is None:
        return None, _error(401, "invalid, revoked or disabled-account token")
    if roles is not None and user.role not in roles:
        return None, _error(403, f"account {user.name!r} (role {user.role}) may not do this; needs {' or '.join(roles)}")
    return user, None


def _running() -> Service | JSONResponse:
    svc = _service
    if svc is None or svc.worker.con is None:
        return _error(503, "the server is starting or stopping")
    return svc


async def ingest(request: Request) -> Response:
    user, denied = _user(request, WRITE_ROLES)
    if denied is not None:
        return denied
    svc = _running()
    if isinstance(svc, JSONResponse):
        return svc
    table = request.query_params.get("table", "")
    mapping = request.query_params.get("mapping") or None
    if table not in schema.DATA_TABLES:
        return _error(400, f"table must be one of {', '.join(schema.DATA_TABLES)}")
    if mapping is not None and mapping != "auto" and mapping not in {p["name"] for p in list_presets()}:
        return _error(400, f"unknown mapping preset {mapping!r}; one of {', '.join(p['name'] for p in list_presets())}")
    if mapping == "auto":
        mapping = None
    under = request.query_params.get("add_units_under") or None
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        return _error(400, "send the file as multipart/form-data field 'file'")
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_UPLOAD)
    except Exception as exc:  # malformed multipart body
        return _error(400, f"cannot read the multipart body: {exc}")
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _error(400, "no file in the multipart field 'file'")
    data = await upload.read()
    name = upload.filename or "upload.csv"
    await form.close()
    if not data:
        return JSONResponse(error_dict(name, table, "the file is empty"), status_code=422)
    path = svc.worker.spool(data, table=table, mapping=mapping, user=user.name, file_name=name, under=under)
    job = svc.worker.submit(Job(table, mapping, name, user.name, origin="api", path=path, add_units_under=under))
    await asyncio.to_thread(job.done.wait)
    if job.status == 503 or job.report is None:
        return _error(503, "the server stopped before the file was loaded; it is kept and loads after restart")
    return JSONResponse(_jsonable(job.report), status_code=job.status)


def _jsonable(obj: Any) -> Any:
    import json

    from gridboard.server.worker import json_default

    return json.loads(json.dumps(obj, ensure_ascii=False, default=json_default))


async def kpis(request: Request) -> Response:
    _, denied = _user(request, None)
    if denied is not None:
        return denied
    svc = _running()
    if isinstance(svc, JSONResponse):
        return svc
    q = request.query_params
    unknown = set(q.keys()) - {"unit", "from", "to", "as_of", "by"}
    if unknown:
        return _error(400, f"unknown parameter(s): {', '.join(sorted(unknown))} (unit, from, to, as_of, by)")
    try:
        start = kpi_json.parse_date(q["from"]) if q.get("from") else None
        end = kpi_json.parse_date(q["to"]) if q.get("to") else None
        as_of = kpi_json.parse_time(q["as_of"]) if q.get("as_of") else None
    except ValueError as exc:
        return _error(400, str(exc))
    by = q.get("by") or None
    if by is not None and by not in schema.DIMENSIONS:
        return _error(400, f"by must be one of {', '.join(schema.DIMENSIONS)}")

    def answer() -> str:
        assert svc.worker.con is not None
        cur = svc.worker.con.cursor()
        try:
            return kpi_json.dumps(kpi_json.result(cur, unit=q.get("unit") or None, start=start, end=end,
                                                  as_of=as_of, by=by))
        finally:
            cur.close()

    try:
        text = await asyncio.to_thread(answer)
    except (engine.MetricError, store.StoreError) as exc:
        return _error(400, str(exc))
    return Response(text, media_type="application/json")


async def health(_request: Request) -> Response:
    svc = _service
    if svc is None or svc.worker.con is None:
        return JSONResponse({"status": "starting"}, status_code=503)

    def answer() -> dict[str, Any]:
        assert svc.worker.con is not None
        cur = svc.worker.con.cursor()
        try:
            version = store.data_version(cur)
        finally:
            cur.close()
        newest = svc.worker.read("server_newest_case")[0]["newest"]
        last = svc.worker.read("server_last_ingest")
        return {"status": "ok", "data_version": version, "newest_case": newest,
                "queue": svc.worker.queue_length(), "last_ingest": last[0] if last else None,
                "demo_feed": svc.feed_on, "wall_computations": board.SHARED.computed}

    return JSONResponse(_jsonable(await asyncio.to_thread(answer)))


async def feed(request: Request) -> Response:
    _, denied = _user(request, WRITE_ROLES)
    if denied is not None:
        return denied
    svc = _running()
    if isinstance(svc, JSONResponse):
        return svc
    try:
        rate = float(request.query_params.get("rate", "1"))
        minutes = float(request.query_params["minutes"]) if "minutes" in request.query_params else None
    except ValueError:
        return _error(400, "rate and minutes must be numbers")
    if not (0 < rate <= 10_000) or (minutes is not None and not (0 <= minutes <= 24 * 60)):
        return _error(400, "rate must be in (0, 10000], minutes in [0, 1440]")
    tick = await asyncio.to_thread(svc.feed.tick, minutes=minutes, rate=rate)
    return JSONResponse(_jsonable(tick.as_dict()))


def routes() -> list[Route]:
    from gridboard.server import bulletin_api, outlines  # they use this module's helpers and service

    return [
        Route("/api/v1/bulletin", bulletin_api.bulletin, methods=["GET"]),
        Route("/api/v1/ingest", ingest, methods=["POST"]),
        Route("/api/v1/kpis", kpis, methods=["GET"]),
        Route("/api/v1/health", health, methods=["GET"]),
        Route("/api/v1/feed", feed, methods=["POST"]),
        *outlines.routes(),
    ]
