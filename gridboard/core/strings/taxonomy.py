"""English names of the taxonomy's Chinese terms: case categories (the 12345 / grid systems' 事件类型)
and volunteer activity types. Stored data keeps the Chinese term; `i18n.term(value, lang)` shows
the English name in English mode when the taxonomy has one, and the value itself otherwise (a
county's own category is a data value and is shown as written)."""

from __future__ import annotations

TERMS_EN: dict[str, str] = {
    # case categories (事件类型)
    "矛盾纠纷": "Disputes",
    "安全隐患": "Safety hazards",
    "环境卫生": "Sanitation",
    "民生服务": "Public services",
    "城市管理": "Urban management",
    "城乡建设": "Urban & rural construction",
    "市场监管": "Market regulation",
    "劳动和社会保障": "Labour & social security",
    "农村农业": "Agriculture & villages",
    "交通运输": "Transport",
    "教育卫生": "Education & health",
    "医疗卫生": "Health care",
    "公共安全": "Public security",
    "生态环境": "Ecology & environment",
    "社会保障": "Social security",
    "其他": "Other",
    # volunteer activity types (志愿服务类型)
    "环境整治": "Clean-up",
    "政策宣传": "Policy outreach",
    "关爱帮扶": "Care & support",
    "治安巡逻": "Safety patrol",
    "文明实践": "Civic practice",
    "应急救援": "Emergency relief",
}

STRINGS: dict[str, tuple[str, str]] = {f"term_{zh}": (zh, en) for zh, en in TERMS_EN.items()}
