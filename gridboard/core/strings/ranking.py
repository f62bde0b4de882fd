"""Interface strings of the ranking page (网格排名): league table, lists, profile, explain, weights."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_ranking": ("网格排名", "Grid rankings"),
    # controls
    "rk_level": ("排名层级", "Rank level"),
    "rk_grid_type": ("网格类型", "Grid type"),
    "rk_grid_type_all": ("全部网格", "All grids"),
    "rk_no_levels": ("所选区域下没有可排名的下级单位，请在左侧选择更高一级的区域。",
                     "The selected area has no sub-units to rank: choose a higher area on the left."),
    "rk_no_units": ("所选周期和区域内没有可排名的单位（没有事件）。", "No units to rank in this period and area (no cases)."),
    "rk_period": ("考核周期", "Assessment period"),
    "rk_period_help": ("默认为本县设定的考核周期（{period}）；选择后左侧筛选的统计周期同步改变。",
                       "Defaults to the county's assessment period ({period}); the sidebar's period follows it."),
    "rk_vs_previous": ("排名变化：与上期 {start} 至 {end} 相比", "Rank change vs the previous period {start} to {end}"),
    # tiles
    "rk_ranked": ("参与排名", "Ranked"),
    "rk_ranked_help": ("本期有事件的单位全部参与排名（向上级收缩）", "Every unit with a case in the period is ranked (shrunk toward its parent)"),
    "rk_too_few": ("样本少", "Few cases"),
    "rk_provisional": ("样本少（暂定排名）", "Provisional (few cases)"),
    "rk_provisional_help": ("指数 90% 区间宽于 {band} 分：排名照常给出，但仅供参考",
                            "The index's 90 % band is wider than {band} points: ranked, but provisional"),
    "rk_no_rank": ("未排名", "Not ranked"),
    "rk_mean": ("平均指数", "Mean index"),
    "rk_five_star": ("五星单位", "Five-star units"),
    # tabs
    "rk_tab_table": ("排行榜", "League table"),
    "rk_tab_lists": ("红黑榜", "Honour & red lists"),
    "rk_tab_explain": ("差异分析", "Explain a difference"),
    "rk_tab_method": ("计算方法", "Method"),
    # table columns
    "rk_col_rank": ("排名", "Rank"),
    "rk_col_change": ("排名变化", "Change"),
    "rk_col_name": ("名称", "Name"),
    "rk_col_parent": ("所属", "Parent"),
    "rk_col_rank_in_parent": ("组内排名", "Rank in parent"),
    "rk_col_grid_type": ("网格类型", "Grid type"),
    "rk_col_score": ("网格指数", "Index"),
    "rk_col_stars": ("星级", "Stars"),
    "rk_col_cases": ("事件数", "Cases"),
    "rk_col_per_1000": ("每千户事件数", "Cases per 1,000 households"),
    "rk_col_unit_id": ("单位编码", "Unit code"),
    "rk_col_weakest": ("主要失分项（相对上级）", "Main loss (vs parent)"),
    "rk_col_band": ("90%区间", "90 % band"),
    "rk_col_provisional": ("样本少", "Few cases"),
    "rk_shrunk": ("{name}·收缩", "{name} (shrunk)"),
    "rk_raw": ("{name}·原始(n)", "{name} raw (n)"),
    "rk_stars_absolute": ("星级按绝对分数段：≥ 90 ★★★★★，≥ 80 ★★★★，≥ 70 ★★★，≥ 60 ★★，其余 ★。",
                          "Stars by absolute bands: ≥ 90 five, ≥ 80 four, ≥ 70 three, ≥ 60 two, else one."),
    "rk_stars_relative": ("星级按相对名次：前 10% ★★★★★，其后 20% ★★★★，40% ★★★，20% ★★，最后 10% ★"
                          "（{why}）。", "Stars by relative position: top 10 % five, next 20 % four, 40 % three, "
                          "20 % two, last 10 % one ({why})."),
    "rk_stars_why_auto": ("按绝对分数段将有超过一半的单位同为一档，因此改用相对名次",
                          "absolute bands would put more than half of the units in one band"),
    "rk_stars_why_set": ("按设置", "as set"),
    "rk_col_prev_score": ("上期指数", "Previous index"),
    "rk_new": ("新", "new"),
    "rk_table_hint": ("点击一行查看该单位画像。“·收缩”为向上级水平收缩后的得分（%），“·原始(n)”为本单位实际比率及计入事件数；"
                      "90%区间越宽越不确定，宽于 {band} 分标“样本少”；▲▼ 仅在两期区间不重叠时显示，否则显示 +n / −n。",
                      "Click a row for the unit's profile. \"(shrunk)\" columns are scores shrunk toward the parent (%), "
                      "\"raw (n)\" the unit's own rate and its case count; a band wider than {band} points is marked "
                      "provisional; ▲▼ only when the two periods' bands do not overlap, else +n / −n."),
    # components
    "comp_on_time_rate": ("按时办结", "On time"),
    "comp_closure_rate": ("办结率", "Closure"),
    "comp_satisfaction_rate": ("满意率", "Satisfaction"),
    "comp_response": ("响应速度", "Response"),
    "comp_grid_resolved_rate": ("小事不出网格", "Resolved in grid"),
    "comp_received": ("全部事件", "All cases"),
    # lists
    "rk_honour": ("前{n}名（红榜）", "Top {n} (honour list)"),
    "rk_red": ("后{n}名（黑榜）", "Bottom {n} (red list)"),
    "rk_lists_empty": ("参与排名的单位不足 2 个，无法列出前后名次。", "Fewer than 2 ranked units: no lists."),
    # profile
    "rk_profile": ("单位画像", "Unit profile"),
    "rk_profile_unit": ("查看单位", "Unit"),
    "rk_profile_pick": ("选择单位，或点击排行榜中的一行", "Pick a unit, or click a row of the league"),
    "rk_profile_hint": ("选定单位后，这里显示它的分项得分雷达图、近12个月指数趋势、分项明细和各分项背后的事件。",
                        "Once a unit is picked, its component radar, 12-month index trend, components and the "
                        "cases behind each component show here."),
    "rk_profile_rank": ("排名 {rank} / {of}", "Rank {rank} of {of}"),
    "rk_profile_rank_in_parent": ("组内第 {rank} 名", "No. {rank} in its parent"),
    "rk_radar": ("分项得分", "Component scores"),
    "rk_radar_parent": ("上级平均（{name}）", "Parent average ({name})"),
    "rk_trend": ("近12个月网格指数", "Index over 12 months"),
    "rk_trend_note": ("每月按当月事件计算、与上级当月水平收缩；没有事件的月份为空。",
                      "Each month scored on its own cases, shrunk toward the parent's month; empty: no cases."),
    "rk_components": ("分项明细", "Components"),
    "rk_comp_weight": ("权重(%)", "Weight (%)"),
    "rk_comp_raw": ("本单位(%)", "Own rate (%)"),
    "rk_comp_parent": ("上级(%)", "Parent (%)"),
    "rk_comp_n": ("计入事件", "Cases counted"),
    "rk_comp_met": ("达标事件", "Cases met"),
    "rk_comp_score": ("得分(%)", "Score (%)"),
    "rk_comp_points": ("得分(分)", "Points"),
    "rk_comp_lost": ("失分(分)", "Points lost"),
    "rk_cases_title": ("分项事件清单", "Cases behind a component"),
    "rk_cases_component": ("分项", "Component"),
    "rk_cases_which": ("清单", "List"),
    "rk_which_missed": ("失分事件", "Cases that lost points"),
    "rk_which_counted": ("全部计入事件", "All cases counted"),
    "rk_cases_total": ("共 {total} 件，显示最新 {shown} 件", "{total} cases, newest {shown} shown"),
    "rk_response_missed": ("响应超过 {target} 分钟", "responded after more than {target} min"),
    # explain
    "rk_explain_mode": ("比较对象", "Compare with"),
    "rk_mode_unit": ("另一单位", "Another unit"),
    "rk_mode_previous": ("上期（环比）", "Previous period"),
    "rk_mode_last_year": ("去年同期（同比）", "Same period last year"),
    "rk_explain_a": ("单位", "Unit"),
    "rk_explain_b": ("对比单位", "Compared with"),
    "rk_explain_one": ("只有一个单位，无法与其他单位比较。", "Only one unit: nothing to compare it with."),
    "rk_explain_missing": ("对比期内该单位没有事件，无法比较。", "The unit has no cases in the comparison period."),
    "rk_explain_summary": ("{a} 比 {b} {direction} {diff} 分，主要来自：{parts}",
                           "{a} scores {diff} points {direction} than {b}, mostly from: {parts}"),
    "rk_higher": ("高", "higher"),
    "rk_lower": ("低", "lower"),
    "rk_equal": ("{a} 与 {b} 得分相同。", "{a} and {b} score the same."),
    "rk_explain_component": ("分项", "Component"),
    "rk_explain_diff": ("差值(分)", "Difference (points)"),
    "rk_explain_total": ("合计", "Total"),
    "rk_period_now": ("本期", "this period"),
    "rk_period_prev": ("上期", "previous period"),
    "rk_period_last_year": ("去年同期", "last year"),
    # weights
    "rk_weights": ("指数权重：试算与保存", "Index weights: try and save"),
    "rk_weights_sum": ("合计 {total} %（试算时按比例折算为 100 %）", "Total {total} % (scaled to 100 % when trying)"),
    "rk_weights_trying": ("试算中：排名使用未保存的权重 {weights}", "Trying: the ranking uses unsaved weights {weights}"),
    "rk_weights_reset": ("恢复已保存权重", "Back to the saved weights"),
    "rk_weights_save": ("保存为正式权重", "Save as the official weights"),
    "rk_weights_saved": ("已保存权重，并记录修改。", "Weights saved and the change recorded."),
    "rk_weights_need_100": ("保存前请将权重合计调整为 100 %。", "Make the weights add up to 100 % before saving."),
    "rk_weights_no_role": ("仅县领导和管理员可以保存权重；您可以试算。", "Only leaders and administrators can save weights; you may try."),
    "rk_weights_zero": ("权重不能全部为 0。", "The weights cannot all be 0."),
    "rk_weights_failed": ("保存失败：{reason}", "Saving failed: {reason}"),
    "rk_weights_log": ("权重修改记录", "Weight changes"),
    "rk_log_at": ("时间", "When"),
    "rk_log_user": ("修改人", "Who"),
    "rk_log_old": ("原权重", "Before"),
    "rk_log_new": ("新权重", "After"),
    "rk_log_empty": ("尚无修改记录。", "No changes yet."),
    # method
    "rk_method": (
        "**网格指数** = 100 × Σ 权重ᵢ × 分项得分ᵢ。分项：按时办结率、办结率、满意率、响应速度"
        "（= min(1, 目标 {target} 分钟 ÷ 响应时长中位数)）、小事不出网格率。\n\n"
        "**公平处理**：每个分项按其计入事件数 n 向上级单位同期水平收缩："
        "(本单位 × n + {k} × 上级) ÷ (n + {k})，事件少的单位不会因偶然的满分排到前面；"
        "本期有事件的单位全部排名；指数旁给出 90% 区间（各分项 Beta 后验方差合成），区间宽于 {band} 分的排名标“样本少”。"
        "某分项没有可计数事件时，其余分项按比例分摊权重。\n\n"
        "**星级**：{stars}"
        "**排名变化**与上期同口径比较（▲ 上升，▼ 下降：两期区间不重叠；+n / −n：在误差范围内；新 = 上期无事件）。",
        "**Grid index** = 100 × Σ weightᵢ × componentᵢ. Components: on-time rate, closure rate, "
        "satisfaction rate, response (= min(1, target {target} min ÷ median response)), resolved in grid.\n\n"
        "**Fairness**: each component is shrunk toward the parent unit's value by its own case count n: "
        "(own × n + {k} × parent) ÷ (n + {k}), so a unit with a few lucky cases cannot top the table; "
        "every unit with a case is ranked, with a 90 % band from the components' Beta posteriors; a band wider than "
        "{band} points marks the rank provisional. "
        "A component with nothing to count leaves its weight to the others.\n\n"
        "**Stars**: {stars} **Rank change** compares with the previous period on the same basis (▲ up, ▼ down: "
        "the two bands do not overlap; +n / −n: within the noise; new = no cases before).",
    ),
    "rk_axis_score": ("网格指数", "Index"),
    "rk_axis_month": ("月份", "Month"),
}
