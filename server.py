"""gridboard server entry: the dashboard (app.py) and its live parts in one process and port.

`streamlit run server.py` (README's first command) finds the `app` below and serves it: the
Streamlit app of app.py, plus the HTTP API under /api/v1/ and a lifespan that starts the ingest
worker, the inbox poller and the demo feed (gridboard.server) before the first request and stops
them on shutdown. This file lives outside the gridboard package because it imports streamlit
(only gridboard.ui may, by the import-linter contract) and holds no logic of its own.
"""

from streamlit import config as st_config
from streamlit.starlette import App

from gridboard.server import api


def _url() -> str:
    host = str(st_config.get_option("server.address") or "127.0.0.1")
    return f"http://{host}:{st_config.get_option('server.port')}"


app = App("app.py", routes=api.routes(), lifespan=api.lifespan(_url))
