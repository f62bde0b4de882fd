"""gridboard server entry: the dashboard (app.py) and its live parts in one process and port.

`streamlit run server.py` (README's first command) finds the `app` below and serves it: the
Streamlit app of app.py, plus the HTTP API under /api/v1/, the session-cookie routes under
/auth/ and the access guard (security headers, uploads only for analysts and admins, no open
metrics: gridboard.server.guard), and a lifespan that starts the ingest worker, the inbox poller
and the demo feed (gridboard.server) before the first request and stops them on shutdown. This
file lives outside the gridboard package because it imports streamlit (only gridboard.ui may, by
the import-linter contract) and holds no logic of its own.
"""

from starlette.middleware import Middleware
from streamlit import config as st_config
from streamlit import net_util
from streamlit.starlette import App

from gridboard.server import api, guard

# Nothing leaves the intranet: Streamlit asks checkip.amazonaws.com for the "External URL" it
# prints when headless and the address is a wildcard. An empty answer counts as known: no request.
net_util._external_ip = ""  # noqa: SLF001


def _url() -> str:
    host = str(st_config.get_option("server.address") or "127.0.0.1")
    return f"http://{host}:{st_config.get_option('server.port')}"


app = App("app.py", routes=[*api.routes(), *guard.routes()], lifespan=api.lifespan(_url),
          middleware=[Middleware(guard.Guard)])
