"""The bulletin's editable Chinese texts: loading templates.toml, merging the county's overrides
([bulletin] in gridboard.toml), refusing unknown keys and placeholders, and the phrases of a
change (环比上升 3.2%, 同比下降 1.5 个百分点, 环比无可比数据) and of a value ("96.4%", "—").

An override may only use the placeholders the shipped template of the same key uses (plus the
common ones), so a typo is refused when the bulletin is made, with a message naming the key.
No streamlit here.
"""

from __future__ import annotations

import difflib
import functools
import math
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridboard.core import fmt

TEMPLATES_PATH = Path(__file__).resolve().parent / "templates.toml"
GROUPS: tuple[str, ...] = ("sections", "headings", "words", "text")
COMMON: frozenset[str] = frozenset({"period", "scope", "root", "as_of"})


class BulletinError(ValueError):
    """A bad bulletin request or template (message in Chinese, shown as is)."""


@functools.cache
def _shipped() -> dict[str, dict[str, Any]]:
    with TEMPLATES_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    return {g: dict(data.get(g, {})) for g in GROUPS}


def _fields(text: str) -> set[str]:
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise BulletinError(f"模板格式有误（{exc}）：{text}") from None


def _unknown(kind: str, key: str, known: list[str]) -> BulletinError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"，是否想写 {close[0]}？" if close else f"；可用的有：{'、'.join(known)}"
    return BulletinError(f"通报设置中没有{kind} {key!r}{hint}")


@dataclass(frozen=True)
class Templates:
    sections: dict[str, bool]
    headings: dict[str, str]
    words: dict[str, str]
    text: dict[str, str]

    def on(self, section: str) -> bool:
        return bool(self.sections.get(section, False))

    def say(self, key: str, **values: Any) -> str:
        """The template `key` (a [text] or [headings] key) with its placeholders filled."""
        template = self.text[key] if key in self.text else self.headings[key]
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise BulletinError(f"通报模板 {key} 无法填写（{exc}）") from None


def load(overrides: Mapping[str, Any] | None = None) -> Templates:
    """The shipped templates with `overrides` ({group: {key: value}}) laid over them, checked."""
    shipped = _shipped()
    merged = {g: dict(v) for g, v in shipped.items()}
    for group, values in (overrides or {}).items():
        if group not in GROUPS:
            raise _unknown("分组", group, list(GROUPS))
        if not isinstance(values, Mapping):
            raise BulletinError(f"通报设置 [bulletin.{group}] 应为一个表（key = value）")
        for key, value in values.items():
            if key not in shipped[group]:
                raise _unknown(f"[bulletin.{group}] 项", key, list(shipped[group]))
            if group == "sections":
                if not isinstance(value, bool):
                    raise BulletinError(f"[bulletin.sections] {key} 应为 true 或 false，而不是 {value!r}")
            elif not isinstance(value, str):
                raise BulletinError(f"[bulletin.{group}] {key} 应为文字，而不是 {value!r}")
            else:
                extra = _fields(value) - _fields(shipped[group][key]) - COMMON
                if extra:
                    allowed = "、".join(sorted(_fields(shipped[group][key]) | COMMON))
                    raise BulletinError(f"[bulletin.{group}] {key} 使用了未知占位符 {{{'}、{'.join(sorted(extra))}}}；"
                                        f"可用：{allowed}")
            merged[group][key] = value
    return Templates(**merged)


# --- values and changes as words -----------------------------------------------------------------


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def pct(value: Any, digits: int = 1) -> str:
    """A share as percent in running text, no space: 0.9635 → "96.4%"; None → "—"."""
    return fmt.DASH if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def count(value: Any) -> str:
    return fmt.count(value)


def duration(value: Any, kind: str) -> str:
    """12.5 → "12.5分钟" (kind minutes) / "3.2小时" (hours); None → "—"."""
    return fmt.duration(value, kind).replace(" ", "")


def value(kind: str, v: Any) -> str:
    """A metric value in running text by its kind (count, rate, minutes, hours)."""
    if kind == "count":
        return count(v)
    if kind == "rate":
        return pct(v)
    return duration(v, kind)


def change(t: Templates, kind: str, current: Any, previous: Any, which: str = "mom") -> str:
    """环比上升12.3% / 环比下降1.2个百分点 / 环比缩短3.0分钟 / 环比持平 / 环比无可比数据."""
    w = t.words
    label = w[which]
    if _missing(current) or _missing(previous):
        return label + w["none"]
    diff = float(current) - float(previous)
    if kind == "count":
        if float(previous) == 0:
            return label + (w["flat"] if diff == 0 else w["none"])
        amount = abs(diff) / float(previous) * 100
        shown, unit = f"{amount:.1f}", "%"
    elif kind == "rate":
        shown, unit = f"{abs(diff) * 100:.1f}", w["pp"]
    else:
        shown, unit = f"{abs(diff):.1f}", "分钟" if kind == "minutes" else "小时"
    if float(shown) == 0:
        return label + w["flat"]
    if kind in ("minutes", "hours"):
        direction = w["longer"] if diff > 0 else w["shorter"]
    else:
        direction = w["up"] if diff > 0 else w["down"]
    return f"{label}{direction}{shown}{unit}"
