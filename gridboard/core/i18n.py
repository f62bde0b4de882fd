"""Interface strings in Chinese (first) and English: one key, two texts. No streamlit here.

`text(key, lang, **values)` returns the string for the language ("zh" or "en"), with
str.format values filled in; an unknown key raises KeyError so a typo fails in tests rather
than on the wall screen. Labels of data enums stay in gridboard.schema, metric labels in
gridboard.metrics.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("zh", "en")
LANG_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("网格化社会治理指挥中心", "Grid Governance Command Centre"),
    "app_subtitle": ("党建引领 · 网格化治理决策支持", "Decision support for grid governance"),
    "language": ("语言", "Language"),
    "logout": ("退出登录", "Log out"),
    "signed_in_as": ("当前用户：{who}", "Signed in: {who}"),
    "building_demo": ("正在生成演示数据…", "Building the demo county…"),
    "demo_built": ("已生成演示数据：{cases} 件事件，用时 {seconds} 秒", "Demo county built: {cases} cases in {seconds} s"),
    "db_error": ("数据库无法打开：{reason}", "Cannot open the database: {reason}"),
    "no_units": ("数据库中还没有单位（网格）数据，请先导入。", "The database has no units yet: import them first."),
    # login
    "login_title": ("用户登录", "Sign in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login": ("登录", "Sign in"),
    "login_failed": ("用户名或密码错误，请重新输入。", "Wrong user name or password."),
    "login_wait": (
        "登录失败次数过多，请 {seconds} 秒后再试。",
        "Too many failed sign-ins: try again in {seconds} s.",
    ),
    "login_locked": (
        "登录失败次数过多，已临时锁定，请 {minutes} 分钟后再试或联系管理员。",
        "Too many failed sign-ins: locked, try again in {minutes} min or ask the administrator.",
    ),
    "login_empty": ("请输入用户名和密码。", "Enter a user name and a password."),
    "kiosk_failed": ("大屏令牌无效，请联系管理员。", "Invalid kiosk token: ask the administrator."),
    "demo_accounts": (
        "当前为演示数据，以下均为演示账号（不得用于真实数据）：admin / leader / staff / analyst，密码均为 gridboard。",
        "Demo data: these are demo accounts (never for real data): admin / leader / staff / analyst, "
        "password gridboard.",
    ),
    "login_closed": (
        "登录已关闭：尚未配置用户账号，且当前数据库不是演示数据，演示账号不能用于真实数据。"
        "请管理员在服务器上运行 `python -m gridboard user add --name 用户名 --role admin` "
        "创建第一个管理员账号，然后刷新本页。",
        "Sign-in is closed: no user accounts are configured and this database is not the demo county, "
        "so the demo accounts may not open it. On the server, run "
        "`python -m gridboard user add --name NAME --role admin` to create the first administrator, "
        "then reload this page.",
    ),
    "auth_config_error": ("用户配置有误：{reason}", "User configuration error: {reason}"),
    "no_pages": ("当前角色没有可访问的页面。", "This role has no pages."),
    # filters
    "filters": ("筛选条件", "Filters"),
    "period": ("统计周期", "Period"),
    "date_range": ("起止日期", "Date range"),
    "unit": ("区域", "Area"),
    "all_units": ("全部", "All"),
    "whole_county": ("全县", "Whole county"),
    "period_label": ("{start} 至 {end}", "{start} to {end}"),
    "as_of": ("数据截至 {as_of}", "Data as of {as_of}"),
    "bad_range": ("请选择起止日期。", "Pick a start and an end date."),
    # downloads
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    # overview page
    "page_overview": ("总览", "Overview"),
    "kpi_heading": ("核心指标", "Key indicators"),
    "vs_previous": ("环比：与上期 {start} 至 {end} 相比", "Change vs the previous period {start} to {end}"),
    "no_previous": ("无上期数据", "no previous period"),
    "by_child": ("分{level}指标", "Indicators by {level}"),
    "group_name": ("名称", "Name"),
    "no_children": ("所选区域没有下级单位数据。", "The selected area has no sub-units with cases."),
    "trend_day": ("每日受理与办结", "Daily received and closed"),
    "trend_week": ("每周受理与办结", "Weekly received and closed"),
    "by_category": ("事件类型分布", "Cases by category"),
    "no_cases": ("所选周期和区域内没有事件。", "No cases in the selected period and area."),
    "uncategorised": ("未分类", "Uncategorised"),
    "vs_label": ("环比", "vs prev."),
    # metric definitions (tile help), DESIGN.md "Metric definitions"
    "def_received": ("期内上报的事件数（不含已撤销）", "Cases reported in the period (cancelled left out)"),
    "def_closed": ("期内上报且已办结的事件数", "Cases of the period closed by now"),
    "def_closure_rate": ("办结量 ÷ 受理量", "Closed ÷ received"),
    "def_on_time_rate": ("已到办理时限的事件中，按时办结的比例", "Of the cases past their deadline, the share closed in time"),
    "def_overdue_open": ("已超过办理时限仍未办结的事件数", "Cases past their deadline and not closed"),
    "def_median_response_min": ("上报到签收的时长中位数（分钟）", "Median minutes from report to response"),
    "def_p90_response_min": ("上报到签收的时长第90百分位（分钟）", "90th percentile of minutes from report to response"),
    "def_median_close_hours": ("上报到办结的时长中位数（小时）", "Median hours from report to closing"),
    "def_satisfaction_rate": ("（满意 + 基本满意）÷ 已回访评价数", "(Satisfied + basic) ÷ surveyed"),
    "def_callback_rate": ("已办结且有满意度评价 ÷ 办结量", "Closed with a satisfaction answer ÷ closed"),
    "def_grid_resolved_rate": ("在网格层级办结 ÷ 办结量", "Closed at grid level ÷ closed"),
    "def_reopen_rate": ("返工事件数 ÷ 办结量", "Reopened ÷ closed"),
    # chart labels
    "axis_cases": ("事件数", "Cases"),
    "axis_rate": ("办结率", "Closure rate"),
    "axis_date": ("日期", "Date"),
}


def text(key: str, lang: str = "zh", **values: object) -> str:
    """The string `key` in `lang` ("zh" default, "en"), formatted with `values`."""
    zh, en = STRINGS[key]
    template = en if lang == "en" else zh
    return template.format(**values) if values else template


def term(value: object, lang: str = "zh") -> str:
    """A taxonomy term (a case category, a volunteer activity) in `lang`: its English name from
    strings/taxonomy.py in English mode when it has one, else the value as stored."""
    shown = str(value)
    if lang == "en" and f"term_{shown}" in STRINGS:
        return STRINGS[f"term_{shown}"][1]
    return shown


def pick(zh: str, en: str, lang: str = "zh") -> str:
    """Choose between two ready texts (for labels that live elsewhere, e.g. metric labels)."""
    return en if lang == "en" else zh


def _merge_areas() -> None:
    """Add the STRINGS of every module in gridboard/core/strings/ (a key defined twice is an error)."""
    import importlib
    import pkgutil

    from gridboard.core import strings

    for info in sorted(pkgutil.iter_modules(strings.__path__), key=lambda i: i.name):
        area = importlib.import_module(f"gridboard.core.strings.{info.name}")
        clash = set(area.STRINGS) & set(STRINGS)
        if clash:
            raise KeyError(f"interface strings defined twice: {sorted(clash)} (gridboard/core/strings/{info.name}.py)")
        STRINGS.update(area.STRINGS)


_merge_areas()
