"""The sidebar's case search (every page): a form by case id, phone, title words or grid name,
its matches as links to the case page (/case?id=…). Phones in the matches are masked."""

from __future__ import annotations

import streamlit as st

from gridboard.core import fmt
from gridboard.metrics import cases
from gridboard.ui.session import cursor, t

LIMIT = 10
CASE_PAGE = "pages/case.py"


def search_box() -> None:
    """The search form and, after a search, its matches (in the sidebar)."""
    with st.form("case_search_form", border=False):
        text = st.text_input(t("case_search"), key="case_search_q", placeholder=t("case_search_help"),
                             max_chars=cases.MAX_QUERY)
        st.form_submit_button(t("case_search_go"), icon=":material/search:", width="stretch")
    q = (text or "").strip()
    if not q:
        return
    cur = cursor()
    try:
        found = cases.search(cur, q, limit=LIMIT + 1)
    finally:
        cur.close()
    if not found:
        st.caption(fmt.escape_md(t("case_search_none", q=q)))
        return
    for row in found[:LIMIT]:
        title = fmt.mask_phones_in(row["title"]) if row["title"] else fmt.DASH
        label = f"{row['case_id']} · {row['unit_name']} · {title}"
        st.page_link(CASE_PAGE, label=fmt.escape_md(label[:60]), query_params={"id": row["case_id"]},
                     icon=":material/description:")
    if len(found) > LIMIT:
        st.caption(t("case_search_more", n=LIMIT))
