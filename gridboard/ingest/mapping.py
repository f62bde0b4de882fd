"""Which column of a file feeds which contract column, and how its values translate.

Owns: header matching (contract names, Chinese names from gridboard.schema and the aliases
below, case-, space- and punctuation-insensitive, units such as "（万元）" noticed and scaled),
mapping presets (built-in JSON files in gridboard/presets/, the analyst's own saved as JSON in
data/presets/), and the Mapping object the page edits and the ingest runs with.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridboard.core import config, schema
from gridboard.ingest.messages import Joined, Refusal

BUILTIN_DIR = Path(__file__).resolve().parent / "presets"
USER_DIR = config.PROJECT_ROOT / "data" / "presets"
_NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,64}$")


class MappingError(Refusal):
    """The file cannot be mapped to the table (one line; gridboard.ingest.messages)."""


# Aliases per table and column, besides the contract name and schema's Chinese name.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "units": {
        "unit_id": ("编码", "网格编码", "单位代码", "区划代码", "网格编号", "id"),
        "parent_id": ("上级编码", "上级单位", "上级代码", "上级网格编码", "parent"),
        "level": ("级别", "单位层级", "网格层级"),
        "name": ("单位名称", "网格名称", "网格名"),
        "grid_type": ("网格类别",),
        "households": ("总户数", "户数(户)"),
        "population": ("人口数", "常住人口", "总人口"),
        "lon": ("longitude", "lng", "中心经度"),
        "lat": ("latitude", "中心纬度"),
        "boundary": ("边界", "geometry", "geojson"),
    },
    "cases": {
        "case_id": ("工单编号", "案件编号", "诉求编号", "工单号", "事件id", "留言编号", "编号", "caseid", "id"),
        "unit_id": ("网格", "所属网格编码", "网格编码", "网格名称", "所属单位", "发生网格", "所属网格名称"),
        "source": ("来源", "渠道", "事件来源", "诉求渠道", "上报渠道", "诉求来源"),
        "category": ("事件类别", "诉求类型", "问题类型", "事件大类", "一级分类", "类别", "大类"),
        "subcategory": ("事件小类", "二级分类", "小类", "子类"),
        "title": ("事件标题", "诉求标题", "主题", "留言主题", "事件名称", "诉求主题"),
        "reported_at": ("受理时间", "发生时间", "登记时间", "创建时间", "来电时间", "留言时间", "立案时间",
                        "上报日期"),
        "dispatched_at": ("派遣时间", "分拨时间", "交办时间", "转派时间", "派发时间"),
        "responded_at": ("响应时间", "接单时间", "受理签收时间"),
        "closed_at": ("结案时间", "完成时间", "处置完成时间", "答复时间", "关闭时间", "办毕时间"),
        "callback_at": ("回访日期",),
        "due_at": ("截止时间", "办结时限", "处置时限", "要求办结时间", "期限", "时限"),
        "status": ("办理状态", "工单状态", "事件状态", "处理状态", "办结状态"),
        "handled_level": ("处置层级", "办理层级", "解决层级"),
        "department": ("承办单位", "处置部门", "责任部门", "办理部门", "主办单位", "责任单位", "承办部门名称"),
        "satisfaction": ("回访满意度", "评价", "满意度评价", "评价结果"),
        "reopened": ("返工", "是否退回", "是否重办"),
        "supervised": ("督办",),
        "lon": ("longitude", "lng"),
        "lat": ("latitude",),
        "reporter_phone": ("来电号码", "电话", "手机号", "联系方式", "诉求人电话", "联系人电话"),
    },
    "volunteers": {
        "volunteer_id": ("编号", "志愿者id", "id"),
        "unit_id": ("网格", "网格编码", "所属社区"),
        "name": ("志愿者姓名", "名字"),
        "is_party_member": ("党员", "政治面貌"),
        "team": ("志愿队伍", "所属队伍", "服务队"),
        "registered_on": ("注册时间", "加入日期", "登记日期"),
    },
    "volunteer_services": {
        "service_id": ("记录编号", "编号", "id"),
        "volunteer_id": ("志愿者id",),
        "unit_id": ("所属网格", "网格", "网格编码"),
        "activity_type": ("服务类型", "活动类别", "服务内容"),
        "started_at": ("服务时间", "活动时间", "服务日期", "活动日期"),
        "hours": ("时长", "服务小时数"),
        "points": ("获得积分",),
    },
    "collective_economy": {
        "unit_id": ("单位编码", "村", "村名称", "村庄", "村名"),
        "year": ("年份", "统计年度"),
        "operating_income": ("经营收入", "集体经营性收入"),
        "total_income": ("集体总收入", "总收益"),
        "dividends": ("分红金额", "集体分红"),
        "cooperatives": ("合作社数量", "合作社"),
        "party_led_cooperatives": ("党组织领办合作社数", "党支部领办合作社"),
    },
}

_UNIT_SUFFIX = re.compile(r"[（(]\s*(万元|元|小时|h|户|人|个)\s*[)）]\s*$", re.IGNORECASE)


def norm_header(text: str) -> str:
    """Matching key of a header: NFKC, lower case, without spaces, punctuation and unit suffix."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = _UNIT_SUFFIX.sub("", t)
    return re.sub(r"[\s_\-./()（）:：#]+", "", t)


def header_scale(text: str) -> float:
    """Multiplier implied by a unit in the header: "(万元)" means ×10000 (money is stored in 元)."""
    m = _UNIT_SUFFIX.search(unicodedata.normalize("NFKC", str(text)))
    return 10000.0 if m and m.group(1) == "万元" else 1.0


@dataclass
class Mapping:
    """How a file maps to one table (the page edits this; a preset is a saved one)."""

    table: str
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> file header
    constants: dict[str, str] = field(default_factory=dict)  # contract column -> fixed raw value
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {raw: code, "*": fallback}
    missing: dict[str, str] = field(default_factory=dict)  # column -> regex of extra "no value" texts
    units: dict[str, str] = field(default_factory=dict)  # parent_id / parent_name for new grids
    name: str | None = None
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "label": self.label, "table": self.table, "columns": self.columns}
        for key in ("constants", "values", "missing", "units"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        table = data.get("table")
        if table not in schema.DATA_TABLES:
            raise MappingError("map_preset_table", table=repr(table))
        cols = data.get("columns", {})
        known = set(schema.DATA_TABLES[table].column_names)
        unknown = [c for c in (*cols, *data.get("constants", {})) if c not in known]
        if unknown:
            raise MappingError("map_preset_fields", table=table, fields=Joined(unknown, ", "))
        return cls(
            table=table,
            columns=dict(cols),
            constants={k: str(v) for k, v in data.get("constants", {}).items()},
            values={k: dict(v) for k, v in data.get("values", {}).items()},
            missing=dict(data.get("missing", {})),
            units=dict(data.get("units", {})),
            name=data.get("name"),
            label=data.get("label", ""),
        )

    def resolve(self, headers: list[str]) -> Mapping:
        """This mapping with each column's header as spelt in `headers` (alternatives allowed).

        A preset may name a column as a list of alternatives, or in another spelling
        ("CreatedDate", "createddate", "Created Date" all match); columns not found are dropped.
        """
        keys = {norm_header(h): h for h in reversed(headers)}
        found: dict[str, str] = {}
        for col, spec in self.columns.items():
            options = spec if isinstance(spec, list) else [spec]
            for opt in options:
                hit = keys.get(norm_header(opt))
                if hit is not None:
                    found[col] = hit
                    break
        return Mapping(self.table, found, dict(self.constants), self.values, self.missing, self.units,
                       self.name, self.label)

    def unmapped_required(self) -> list[str]:
        """Required columns neither mapped nor constant (cases derive status; unit goes 未划分)."""
        table = schema.DATA_TABLES[self.table]
        derivable = {"status", "unit_id"} if self.table == "cases" else set()
        return [c.name for c in table.columns
                if c.required and c.name not in self.columns and c.name not in self.constants
                and c.name not in derivable]

    def check(self, headers: list[str]) -> None:
        """MappingError when the mapping cannot load this file."""
        table = schema.DATA_TABLES[self.table]
        missing_headers = [h for h in self.columns.values() if h not in headers]
        if missing_headers:
            raise MappingError("map_missing_headers", names=missing_headers)
        if not self.columns:
            raise MappingError("map_nothing_fits", table=(table.zh, table.name))
        missing = self.unmapped_required()
        if missing:
            raise MappingError("map_missing_required", names=[(f"{table.column(c).zh}（{c}）", c) for c in missing])


def suggest(headers: list[str], table: str) -> Mapping:
    """Best guess from the headers alone: contract name, then Chinese name, then aliases."""
    if table not in schema.DATA_TABLES:
        raise MappingError("map_unknown_table", table=table)
    t = schema.DATA_TABLES[table]
    keys = {}
    for h in headers:
        keys.setdefault(norm_header(h), h)
    used: set[str] = set()
    columns: dict[str, str] = {}
    passes = (
        lambda c: (c.name,),
        lambda c: (c.zh,),
        lambda c: ALIASES.get(table, {}).get(c.name, ()),
    )
    for names_of in passes:
        for col in t.columns:
            if col.name in columns:
                continue
            for name in names_of(col):
                h = keys.get(norm_header(name))
                if h is not None and h not in used:
                    columns[col.name] = h
                    used.add(h)
                    break
    return Mapping(table=table, columns=columns)


# --- presets -------------------------------------------------------------------------------


def _preset_files() -> dict[str, Path]:
    files = {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.json"))}
    if USER_DIR.is_dir():
        for p in sorted(USER_DIR.glob("*.json")):
            files.setdefault(p.stem, p)  # built-ins cannot be shadowed
    return files


def list_presets(table: str | None = None) -> list[dict[str, Any]]:
    """name, label, table and builtin flag of every preset (optionally for one table)."""
    out = []
    for name, path in _preset_files().items():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if table is None or data.get("table") == table:
            out.append({"name": name, "label": data.get("label", name), "table": data.get("table", ""),
                        "builtin": path.parent == BUILTIN_DIR})
    return out


def load_preset(name_or_path: str | Path) -> Mapping:
    """A preset by name (built-in or saved) or from a JSON file path."""
    path = Path(name_or_path)
    if not (path.suffix == ".json" and path.is_file()):
        files = _preset_files()
        if str(name_or_path) not in files:
            raise MappingError("map_no_preset", name=str(name_or_path), names=list(files))
        path = files[str(name_or_path)]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MappingError("map_file_unreadable", name=path.name, reason=str(exc)) from None
    if not isinstance(data, dict):
        raise MappingError("map_file_format", name=path.name)
    data.setdefault("name", path.stem)
    return Mapping.from_dict(data)


def save_preset(mapping: Mapping, name: str, label: str = "", directory: Path | None = None) -> Path:
    """Save the mapping as a user preset data/presets/NAME.json (built-in names are refused)."""
    if not _NAME.fullmatch(name):
        raise MappingError("map_preset_name")
    if (BUILTIN_DIR / f"{name}.json").exists():
        raise MappingError("map_builtin_name", name=name)
    directory = directory or USER_DIR
    directory.mkdir(parents=True, exist_ok=True)
    data = mapping.to_dict()
    data["name"] = name
    data["label"] = label or mapping.label or name
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def best_preset(headers: list[str], table: str, suggested: Mapping) -> str:
    """A preset that fits the headers better than the automatic mapping ("" when none does)."""
    best, best_n = "", len(suggested.columns) if not suggested.unmapped_required() else -1
    for p in list_presets(table):
        try:
            m = load_preset(p["name"]).resolve(headers)
        except MappingError:
            continue
        if not m.unmapped_required() and len(m.columns) > best_n:
            best, best_n = p["name"], len(m.columns)
    return best
