"""Formatting for the screen: percent with one decimal, "—" for missing, units, masking, escaping."""

from __future__ import annotations

import math

import pytest

from gridboard.core import catalog, fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.9635, "96.4 %"), (1.0, "100.0 %"), (0.0, "0.0 %"), (0.00049, "0.0 %"), (None, "—"), (math.nan, "—")],
)
def test_rate_is_percent_with_one_decimal(value, expected):
    assert fmt.rate(value) == expected


def test_counts_have_thousands_separators_and_none_is_dash():
    assert fmt.count(35526) == "35,526"
    assert fmt.count(0) == "0"
    assert fmt.count(None) == "—"


def test_durations_carry_their_unit_in_the_interface_language():
    assert fmt.duration(12.345, "minutes") == "12.3 分钟"
    assert fmt.duration(151.5, "minutes", "en") == "152 min"
    assert fmt.duration(3.26, "hours") == "3.3 小时"
    assert fmt.duration(None, "hours") == "—"


def test_metric_formats_by_kind():
    assert fmt.metric("received", 1234) == "1,234"
    assert fmt.metric("closure_rate", 0.5) == "50.0 %"
    assert fmt.metric("median_response_min", 30.0) == "30.0 分钟"
    assert fmt.metric("median_close_hours", 24.0, "en") == "24.0 h"
    assert all(fmt.metric(m, None) == "—" for m in catalog.METRICS)


def test_metric_label_without_unit_suffix():
    assert fmt.metric_label("median_response_min") == "响应时长中位数(分钟)"
    assert fmt.metric_label("median_response_min", with_unit=False) == "响应时长中位数"
    assert fmt.metric_label("median_close_hours", "en", with_unit=False) == "Median close time"
    assert fmt.metric_label("closure_rate", with_unit=False) == "办结率"


def test_wan_yuan():
    assert fmt.wan_yuan(1_234_567) == "123.5 万元"
    assert fmt.wan_yuan(None) == "—"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("138 1234 5678", "138****5678"), ("+8613812345678", "+86****5678"),
     ("12345", "***45"), ("110", "***"), (None, "—"), ("", "—")],
)
def test_phone_masking_keeps_at_most_seven_digits(phone, masked):
    assert fmt.mask_phone(phone) == masked


def test_delta_texts_and_signs():
    assert fmt.delta("received", 110, 100) == "+10 (+10.0 %)"
    assert fmt.delta("received", 90, 100) == "-10 (-10.0 %)"
    assert fmt.delta("received", 5, 0) == "+5"
    assert fmt.delta("closure_rate", 0.95, 0.90) == "+5.0 个百分点"
    assert fmt.delta("closure_rate", 0.90, 0.95, "en") == "-5.0 pp"
    assert fmt.delta("median_close_hours", 20.0, 24.0) == "-4.0 小时"
    assert fmt.delta("received", 7, 7) == "0"
    assert fmt.delta("closure_rate", 0.90001, 0.9) == "0.0 个百分点"
    assert fmt.delta("closure_rate", None, 0.9) is None
    assert fmt.delta("closure_rate", 0.9, None) is None


def test_escaping_free_text():
    assert fmt.escape_label("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    md = fmt.escape_md("**粗体** [链接](http://x) <b>")
    assert "<b>" not in md and "\\*\\*" in md and "\\[" in md
    assert fmt.escape_md(None) == "—"


def test_metrics_frame_keeps_numbers_and_labels_columns():
    rows = [
        {"group_id": "T1", "group_name": "城关街道", "received": 10, "closed": 8, "closure_rate": 0.8,
         "on_time_rate": None, "overdue_open": 1, "median_response_min": 12.34, "p90_response_min": None,
         "median_close_hours": 5.0, "satisfaction_rate": 0.96354, "callback_rate": 1.0,
         "grid_resolved_rate": 0.5, "reopen_rate": 0.0},
    ]
    frame = fmt.metrics_frame(rows, "名称")
    assert list(frame.columns)[0] == "名称"
    assert len(frame.columns) == 1 + len(catalog.METRICS)
    assert frame.loc[0, "办结率(%)"] == 80.0
    assert frame.loc[0, "满意率(%)"] == 96.4
    assert frame.loc[0, "受理量"] == 10
    assert frame["按时办结率(%)"].isna().all()
    assert frame.loc[0, "响应时长中位数(分钟)"] == 12.3


def test_delta_style_colours_by_good_or_bad_and_greys_no_change():
    assert fmt.delta_style("closure_rate", 0.9, 0.8) == {"delta_color": "normal", "delta_arrow": "auto"}
    assert fmt.delta_style("overdue_open", 5, 3) == {"delta_color": "inverse", "delta_arrow": "auto"}
    assert fmt.delta_style("overdue_open", 3, 3) == {"delta_color": "off", "delta_arrow": "off"}
    assert fmt.delta_style("closure_rate", 0.90001, 0.9)["delta_color"] == "off"
    assert fmt.delta_style("median_close_hours", None, 3.0)["delta_color"] == "off"


def test_money_in_english_is_yuan_with_k_or_m_and_fits_a_tile():
    assert fmt.wan_yuan(38_340_000, lang="en") == "¥38.3M"
    assert fmt.wan_yuan(38_340_000, digits=0, lang="en") == "¥38.3M"  # M keeps one decimal
    assert fmt.wan_yuan(850_000, lang="en") == "¥850.0k"
    assert fmt.wan_yuan(-1_500_000, lang="en") == "-¥1.5M"
    assert fmt.wan_yuan(None, lang="en") == "—"
    assert fmt.wan_yuan(38_340_000, digits=0) == "3,834 万元"


def test_a_change_of_a_rate_is_in_points_of_the_language():
    assert fmt.points("zh") == "个百分点" and fmt.points("en") == "pp"
    assert fmt.delta("closure_rate", 0.95, 0.93) == "+2.0 个百分点"
    assert fmt.delta("closure_rate", 0.95, 0.93, "en") == "+2.0 pp"


def test_taxonomy_terms_have_english_names_and_other_values_stay():
    from gridboard.core import i18n

    assert i18n.term("矛盾纠纷", "en") == "Disputes"
    assert i18n.term("应急救援", "en") == "Emergency relief"
    assert i18n.term("矛盾纠纷", "zh") == "矛盾纠纷"
    assert i18n.term("某县自定义类别", "en") == "某县自定义类别"  # a county's own term is a data value
