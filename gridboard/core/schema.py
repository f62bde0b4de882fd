"""The data contract: tables, columns, enums, Chinese labels and the identifiers SQL may use.

Every identifier that reaches a SQL string (table, column, grouping expression) comes from this
module; values are always bound parameters. DESIGN.md "Data contract" is the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCHEMA_VERSION = 3  # 2: case aggregates (gridboard/db/aggregates.py); 3: import history flags and undo copies

# --- enums (stored as English codes, shown as Chinese labels) -------------------------------

LEVELS = ("county", "town", "community", "village", "grid", "micro_grid")
GRID_TYPES = ("general", "dedicated")
SOURCES = ("grid_patrol", "hotline", "app", "sensor", "other")
STATUSES = ("open", "in_progress", "closed", "cancelled")
HANDLED_LEVELS = ("grid", "community", "town", "county")
SATISFACTION = ("satisfied", "basic", "dissatisfied")

LABELS_ZH: dict[str, dict[str, str]] = {
    "level": {
        "county": "县",
        "town": "镇街",
        "community": "社区",
        "village": "村",
        "grid": "网格",
        "micro_grid": "微网格",
    },
    "grid_type": {"general": "一般网格", "dedicated": "专属网格"},
    "source": {
        "grid_patrol": "网格员巡查",
        "hotline": "12345热线",
        "app": "随手拍/小程序",
        "sensor": "物联感知",
        "other": "其他",
    },
    "status": {"open": "待处理", "in_progress": "办理中", "closed": "已办结", "cancelled": "已撤销"},
    "handled_level": {"grid": "网格", "community": "社区/村", "town": "镇街", "county": "县级"},
    "satisfaction": {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意"},
}

LABELS_EN: dict[str, dict[str, str]] = {
    "level": {
        "county": "County",
        "town": "Town",
        "community": "Community",
        "village": "Village",
        "grid": "Grid",
        "micro_grid": "Micro-grid",
    },
    "grid_type": {"general": "General", "dedicated": "Dedicated"},
    "source": {
        "grid_patrol": "Grid patrol",
        "hotline": "12345 hotline",
        "app": "App",
        "sensor": "Sensor",
        "other": "Other",
    },
    "status": {"open": "Open", "in_progress": "In progress", "closed": "Closed", "cancelled": "Cancelled"},
    "handled_level": {"grid": "Grid", "community": "Community", "town": "Town", "county": "County"},
    "satisfaction": {"satisfied": "Satisfied", "basic": "Basic", "dissatisfied": "Dissatisfied"},
}


def label(kind: str, code: str | None, lang: str = "zh") -> str:
    """Display label of an enum code ("—" for NULL, the code itself when unknown)."""
    if code is None:
        return "—"
    table = LABELS_ZH if lang == "zh" else LABELS_EN
    return table.get(kind, {}).get(code, code)


# --- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    zh: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    zh: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, sql_type: str, zh: str, required: bool = False, enum: tuple[str, ...] | None = None) -> Column:
    return Column(name, sql_type, required, enum, zh)


UNITS = Table(
    "units",
    (
        _c("unit_id", "TEXT", "单位编码", True),
        _c("parent_id", "TEXT", "上级单位编码"),
        _c("level", "TEXT", "层级", True, LEVELS),
        _c("name", "TEXT", "名称", True),
        _c("grid_type", "TEXT", "网格类型", False, GRID_TYPES),
        _c("households", "INTEGER", "户数"),
        _c("population", "INTEGER", "人口"),
        _c("lon", "DOUBLE", "经度"),
        _c("lat", "DOUBLE", "纬度"),
        _c("boundary", "TEXT", "边界GeoJSON"),
    ),
    ("unit_id",),
    "单位/网格",
)

CASES = Table(
    "cases",
    (
        _c("case_id", "TEXT", "事件编号", True),
        _c("unit_id", "TEXT", "所属网格", True),
        _c("source", "TEXT", "来源渠道", False, SOURCES),
        _c("category", "TEXT", "事件类型"),
        _c("subcategory", "TEXT", "事件子类"),
        _c("title", "TEXT", "标题"),
        _c("reported_at", "TIMESTAMP", "上报时间", True),
        _c("dispatched_at", "TIMESTAMP", "派单时间"),
        _c("responded_at", "TIMESTAMP", "签收时间"),
        _c("closed_at", "TIMESTAMP", "办结时间"),
        _c("callback_at", "TIMESTAMP", "回访时间"),
        _c("due_at", "TIMESTAMP", "办理时限"),
        _c("status", "TEXT", "状态", True, STATUSES),
        _c("handled_level", "TEXT", "办结层级", False, HANDLED_LEVELS),
        _c("department", "TEXT", "承办部门"),
        _c("satisfaction", "TEXT", "满意度", False, SATISFACTION),
        _c("reopened", "BOOLEAN", "是否返工"),
        _c("supervised", "BOOLEAN", "是否督办"),
        _c("lon", "DOUBLE", "经度"),
        _c("lat", "DOUBLE", "纬度"),
        _c("reporter_phone", "TEXT", "联系电话"),
    ),
    ("case_id",),
    "事件/工单",
)

VOLUNTEERS = Table(
    "volunteers",
    (
        _c("volunteer_id", "TEXT", "志愿者编号", True),
        _c("unit_id", "TEXT", "所属网格", True),
        _c("name", "TEXT", "姓名"),
        _c("is_party_member", "BOOLEAN", "是否党员"),
        _c("team", "TEXT", "队伍"),
        _c("registered_on", "DATE", "注册日期"),
    ),
    ("volunteer_id",),
    "志愿者",
)

VOLUNTEER_SERVICES = Table(
    "volunteer_services",
    (
        _c("service_id", "TEXT", "服务编号", True),
        _c("volunteer_id", "TEXT", "志愿者编号", True),
        _c("unit_id", "TEXT", "服务网格", True),
        _c("activity_type", "TEXT", "活动类型"),
        _c("started_at", "TIMESTAMP", "开始时间", True),
        _c("hours", "DOUBLE", "服务时长"),
        _c("points", "INTEGER", "积分"),
    ),
    ("service_id",),
    "志愿服务记录",
)

COLLECTIVE_ECONOMY = Table(
    "collective_economy",
    (
        _c("unit_id", "TEXT", "村编码", True),
        _c("year", "INTEGER", "年度", True),
        _c("operating_income", "DOUBLE", "经营性收入"),
        _c("total_income", "DOUBLE", "总收入"),
        _c("dividends", "DOUBLE", "分红"),
        _c("cooperatives", "INTEGER", "合作社数"),
        _c("party_led_cooperatives", "INTEGER", "党支部领办合作社数"),
    ),
    ("unit_id", "year"),
    "村集体经济",
)

INGEST_LOG = Table(
    "ingest_log",
    (
        _c("id", "INTEGER", "编号", True),
        _c("table_name", "TEXT", "数据表", True),
        _c("file_name", "TEXT", "文件名"),
        _c("sha256", "TEXT", "文件摘要"),
        _c("rows_read", "INTEGER", "读取行数"),
        _c("rows_inserted", "INTEGER", "新增行数"),
        _c("rows_updated", "INTEGER", "更新行数"),
        _c("rows_rejected", "INTEGER", "拒绝行数"),
        _c("user_name", "TEXT", "操作人"),
        _c("started_at", "TIMESTAMP", "开始时间"),
        _c("finished_at", "TIMESTAMP", "结束时间"),
        _c("outcome", "TEXT", "结果"),
    ),
    ("id",),
    "导入记录",
)

# Tables an analyst can import into, in load order (units first: the others reference them).
DATA_TABLES: dict[str, Table] = {
    t.name: t for t in (UNITS, CASES, VOLUNTEERS, VOLUNTEER_SERVICES, COLLECTIVE_ECONOMY)
}
ALL_TABLES: dict[str, Table] = {**DATA_TABLES, INGEST_LOG.name: INGEST_LOG}

# Import bookkeeping beside the contract (gridboard/ingest/undo.py): cases an import flagged as
# history (open longer than the history_open_days setting: kept off the wall's live counts), and
# per data table the undo copy of each batch (keys of the rows it inserted, old rows it updated).
HISTORY_CASES = "history_cases"
HISTORY_DDL = (f"CREATE TABLE IF NOT EXISTS {HISTORY_CASES} (case_id TEXT PRIMARY KEY, log_id INTEGER NOT NULL)")
UNDO_TABLES: dict[str, str] = {name: f"ingest_undo_{name}" for name in DATA_TABLES}


def undo_table_sql(table: Table) -> str:
    """The undo copy of `table`: its columns (nullable, no checks) plus the batch and the kind of change."""
    cols = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {UNDO_TABLES[table.name]} (_log_id INTEGER NOT NULL, _kind TEXT NOT NULL, {cols})"


def import_tables_sql() -> list[str]:
    """DDL of the import bookkeeping tables (idempotent)."""
    return [HISTORY_DDL, *(undo_table_sql(t) for t in DATA_TABLES.values())]


def create_table_sql(table: Table) -> str:
    """CREATE TABLE statement with NOT NULLs, enum CHECKs and the primary key."""
    lines = []
    for col in table.columns:
        line = f"{col.name} {col.sql_type}"
        if col.required:
            line += " NOT NULL"
        if col.enum:
            allowed = ", ".join(f"'{v}'" for v in col.enum)
            line += f" CHECK ({col.name} IN ({allowed}))"
        lines.append(line)
    lines.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    body = ",\n  ".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n  {body}\n)"


# --- grouping dimensions for breakdowns ------------------------------------------------------

Dimension = Literal[
    "town", "community", "grid", "micro_grid", "child",
    "category", "subcategory", "source", "department", "handled_level",
    "day", "week", "month",
]

# Case columns a breakdown may group by: the expression is an identifier from this table only.
CASE_DIMENSIONS: dict[str, str] = {
    "category": "category",
    "subcategory": "subcategory",
    "source": "source",
    "department": "department",
    "handled_level": "handled_level",
}
TIME_DIMENSIONS: dict[str, str] = {"day": "day", "week": "week", "month": "month"}
# Unit levels a breakdown may roll up to ("community" covers villages: same depth).
LEVEL_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "town": ("town",),
    "community": ("community", "village"),
    "grid": ("grid",),
    "micro_grid": ("micro_grid",),
}
DIMENSIONS: tuple[str, ...] = (
    ("child",) + tuple(LEVEL_DIMENSIONS) + tuple(CASE_DIMENSIONS) + tuple(TIME_DIMENSIONS)
)

DIMENSION_LABELS_ZH = {
    "child": "下级单位",
    "town": "镇街",
    "community": "社区/村",
    "grid": "网格",
    "micro_grid": "微网格",
    "category": "事件类型",
    "subcategory": "事件子类",
    "source": "来源渠道",
    "department": "承办部门",
    "handled_level": "办结层级",
    "day": "日",
    "week": "周",
    "month": "月",
}
