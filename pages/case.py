"""事件详情 / Case: one case's whole loop (reported → dispatched → responded → closed → callback)
with the time each step took, its deadline state, supervision, reopen, department and grid path.
Opened as /case?id=… from the sidebar search and from the case lists."""

from gridboard import ui

ui.page_guard()

import streamlit as st

from gridboard.core import fmt, schema
from gridboard.metrics import cases

f = ui.filters()
lang = ui.lang()
st.title(ui.t("page_case"))
case_id = str(st.query_params.get("id", "")).strip()[: cases.MAX_QUERY]
if not case_id:
    st.info(ui.t("case_missing_id"))
    st.stop()
cur = ui.cursor()
try:
    found = cases.detail(cur, case_id, f.as_of)
finally:
    cur.close()
if found is None:
    st.warning(fmt.escape_md(ui.t("case_unknown", id=case_id)))
    st.stop()

case = found["case"]
user = ui.current_user()
sees_phone = user is not None and user.role in ("leader", "admin")
yes, no = ("是", "否") if lang == "zh" else ("Yes", "No")


def when(value: object) -> str:
    return fmt.DASH if value is None else f"{value:%Y-%m-%d %H:%M}"


def flag(value: object) -> str:
    return fmt.DASH if value is None else yes if value else no


st.subheader(fmt.escape_md(f"{case['case_id']} · {fmt.mask_phones_in(case['title']) if case['title'] else fmt.DASH}"))
st.caption(fmt.escape_md(" › ".join(u["name"] for u in found["path"])))

st.subheader(ui.t("case_loop"))
steps = st.container(horizontal=True, gap="small")
with steps:
    for s in found["timeline"]:
        m = s["minutes"]
        took = "" if m is None else ui.t("case_after", d=fmt.duration(m, "minutes", lang) if m < 120
                                         else fmt.duration(m / 60, "hours", lang))
        st.metric(ui.t(f"case_step_{s['step']}"), f"{s['at']:%m-%d %H:%M}" if s["at"] else ui.t("case_not_reached"),
                  took or None, delta_color="off", delta_arrow="off", help=when(s["at"]), border=True, width=230)
state = found["deadline"]
message = f"{ui.t('case_deadline')}：{when(case['due_at'])} · {ui.t(f'case_deadline_{state}')}"
{"overdue": st.error, "late": st.warning, "on_time": st.success}.get(state, st.info)(fmt.escape_md(message))

st.subheader(ui.t("case_facts"))
facts = {
    "事件编号" if lang == "zh" else "Case": case["case_id"],
    ui.t("case_grid_path"): " › ".join(u["name"] for u in found["path"]),
    "事件类型" if lang == "zh" else "Category": case["category"] or fmt.DASH,
    "事件子类" if lang == "zh" else "Subcategory": case["subcategory"] or fmt.DASH,
    "来源渠道" if lang == "zh" else "Source": schema.label("source", case["source"], lang) if case["source"] else fmt.DASH,
    "状态" if lang == "zh" else "Status": schema.label("status", case["status"], lang),
    "承办部门" if lang == "zh" else "Department": case["department"] or fmt.DASH,
    "办结层级" if lang == "zh" else "Closed at level":
        schema.label("handled_level", case["handled_level"], lang) if case["handled_level"] else fmt.DASH,
    "满意度" if lang == "zh" else "Satisfaction":
        schema.label("satisfaction", case["satisfaction"], lang) if case["satisfaction"] else fmt.DASH,
    "督办" if lang == "zh" else "Supervised": flag(case["supervised"]),
    "返工" if lang == "zh" else "Reopened": flag(case["reopened"]),
    "联系电话" if lang == "zh" else "Phone":
        (case["reporter_phone"] or fmt.DASH) if sees_phone else fmt.mask_phone(case["reporter_phone"]),
}
st.table({"项目" if lang == "zh" else "Field": list(facts), "内容" if lang == "zh" else "Value": [str(v) for v in facts.values()]})
