"""What a user sees when something goes wrong: a short Chinese (or English) message with a
request id, never a traceback. The details go to the server log under the same id.

Owns: the shield around a page run, the one message for a database that cannot be read
(locked, read-only, corrupt, truncated, missing), and the notice for a URL parameter that was
ignored. `client.showErrorDetails = "none"` in .streamlit/config.toml covers what escapes this
(fragment reruns): Streamlit then shows a generic line and keeps the details in the log.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import duckdb
import streamlit as st

from gridboard.core import fmt, params
from gridboard.db import store
from gridboard.ui.session import t

LOG = logging.getLogger("gridboard.ui")
if not LOG.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


def request_id() -> str:
    """A short id that the user sees and the log line carries."""
    return uuid.uuid4().hex[:10]


def report(exc: BaseException, where: str = "page") -> str:
    """Log `exc` with its traceback under a new request id and show the user the short message."""
    rid = request_id()
    LOG.error("request %s: unhandled error in %s", rid, where, exc_info=exc)
    st.error(t("err_internal", rid=rid), icon=":material/error:")
    return rid


@contextlib.contextmanager
def shielded(where: str = "page") -> Iterator[None]:
    """Run a block; an exception becomes the short message (st.stop / st.rerun pass through:
    they are BaseException, not Exception)."""
    try:
        yield
    except (duckdb.Error, store.StoreError) as exc:  # the file went bad while the page ran
        database_unreadable(exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a page run
        report(exc, where)


def database_reason(exc: BaseException) -> str:
    """Which of locked / read-only / corrupt / missing the error says, as a user-facing phrase."""
    text = str(exc).lower()
    if re.search(r"\block\b|held by another process", text):  # not "block" of "checksum in block"
        key = "err_db_locked"
    elif "read-only" in text or "read only" in text or "permission denied" in text:
        key = "err_db_readonly"
    elif "not found" in text or "no such file" in text:
        key = "err_db_missing"
    elif any(w in text for w in ("corrupt", "not a valid", "checksum", "serializ", "not a gridboard", "magic",
                                 "truncat", "invalid", "unable to read", "could not read", "too small")):
        key = "err_db_corrupt"
    else:
        key = "err_db_other"
    return t(key)


def database_unreadable(exc: BaseException) -> str:
    """The one message for a database that cannot be read (every page shows the same)."""
    rid = request_id()
    LOG.error("request %s: database cannot be read: %s", rid, str(exc).strip().splitlines()[0] if str(exc).strip()
              else type(exc).__name__)
    st.error(t("err_db_unreadable", reason=database_reason(exc), rid=rid), icon=":material/database:")
    return rid


def ignored_params(names: Iterable[str], query: Mapping[str, Any], *, toast: bool = False) -> None:
    """A notice per URL parameter that was ignored, its value shown as plain text."""
    for name in names:
        text = t("err_param_ignored", name=fmt.escape_md(params.shown(name, 20)),
                 value=fmt.escape_md(params.shown(query.get(name))))
        LOG.info("ignored URL parameter %s=%r", name, params.shown(query.get(name), 80))
        if toast:
            st.toast(text, icon=":material/link_off:")
        else:
            st.warning(text, icon=":material/link_off:")
