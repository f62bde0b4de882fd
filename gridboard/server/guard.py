"""The access guard in front of every HTTP request of the st.App server (ASGI middleware) and the
two routes that put the login session into a cookie.

- Security headers on every HTTP response: X-Frame-Options SAMEORIGIN and CSP frame-ancestors
  'self' (no framing by other sites; Streamlit's own component iframes are same-origin),
  X-Content-Type-Options nosniff, Referrer-Policy same-origin.
- Streamlit's upload endpoint (/_stcore/upload_file/...) answers only a browser whose session
  cookie (gridboard.core.sessions) belongs to a role that may import (analyst, admin): 403 else.
- /_stcore/metrics is closed (404): it tells outsiders about sessions and memory.
- GET /auth/session?ticket=T sets the signed, HttpOnly, SameSite=Strict session cookie for a
  ticket issued at login; GET /auth/logout clears it (and revokes it in this process).
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gridboard.core import auth, sessions

UPLOAD_ROLES = ("analyst", "admin")
UPLOAD_PREFIX = "/_stcore/upload_file/"
CLOSED_PATHS = ("/_stcore/metrics",)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
log = logging.getLogger("gridboard.access")


def _cookie(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001  (a malformed Cookie header is no cookie)
                return None
            morsel = jar.get(sessions.COOKIE_NAME)
            if morsel is not None:
                return morsel.value
    return None


def request_user(scope: dict[str, Any]) -> auth.User | None:
    """The user of a request's session cookie (admin when the login gate is off), else None."""
    if auth.auth_disabled():
        return auth.dev_user()
    return sessions.verify(_cookie(scope.get("headers") or []))


class Guard:
    """Pure ASGI middleware (passes websockets and streaming bodies through untouched)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        refusal = self._refusal(scope, path)
        if refusal is not None:
            status, text = refusal
            await self._plain(send, status, text)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _refusal(scope: dict[str, Any], path: str) -> tuple[int, str] | None:
        if any(path == p or path.startswith(p + "/") for p in CLOSED_PATHS):
            return 404, "not found"
        if path.startswith(UPLOAD_PREFIX) and scope.get("method") != "OPTIONS":
            user = request_user(scope)
            if user is None or user.role not in UPLOAD_ROLES:
                client = (scope.get("client") or ("?",))[0]
                log.warning("upload refused: %s from %s (%s)", path, client,
                            f"role {user.role}" if user else "no session")
                return 403, "upload needs a signed-in analyst or admin"
        return None

    @staticmethod
    async def _plain(send: Any, status: int, text: str) -> None:
        body = text.encode("utf-8")
        headers = [(b"content-type", b"text/plain; charset=utf-8"),
                   (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _session(request: Request) -> Response:
    value = sessions.redeem(request.query_params.get("ticket"))
    if value is None:
        return Response("invalid or used ticket", status_code=403, media_type="text/plain")
    response = Response(status_code=204)
    response.set_cookie(sessions.COOKIE_NAME, value, max_age=sessions.COOKIE_SECONDS, path="/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    return response


async def _logout(request: Request) -> Response:
    sessions.revoke(request.cookies.get(sessions.COOKIE_NAME))
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE_NAME, path="/", httponly=True, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


def routes() -> list[Route]:
    return [Route("/auth/session", _session, methods=["GET"]),
            Route("/auth/logout", _logout, methods=["GET"])]
