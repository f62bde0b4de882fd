"""Interface strings of the command-centre wall screen (pages/bigscreen.py, gridboard/bigscreen*.py)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "bs_page": ("指挥中心大屏", "Wall screen"),
    "bs_subtitle": ("{county} · 网格化社会治理", "{county} · grid governance"),
    "bs_exit": ("退出大屏", "Leave the wall"),
    "bs_view": ("轮播 {i}/{n}", "View {i}/{n}"),
    # tiles
    "bs_today_label": ("今日{metric}", "Today: {metric}"),
    "bs_month_label": ("本月{metric}", "Month: {metric}"),
    "bs_vs_yesterday": ("较昨日同时", "vs yesterday"),
    "bs_vs_month": ("较上月同期", "vs last month"),
    # freshness stamp
    "bs_stamp_fresh": ("数据更新于 {refreshed}", "Data updated {refreshed}"),
    "bs_stamp_newest": ("最新事件 {newest}", "newest case {newest}"),
    "bs_stamp_stale": ("⚠ 已 {quiet} 无新事件", "⚠ No new case for {quiet}"),
    "bs_stamp_empty": ("⚠ 数据库中没有事件", "⚠ No cases in the database"),
    "bs_stamp_error": ("⚠ 数据库无法读取", "⚠ Database cannot be read"),
    "bs_refreshed": ("刷新于 {time}", "refreshed {time}"),
    # durations
    "bs_days_hours": ("{d}天{h}时", "{d}d{h}h"),
    "bs_hours_minutes": ("{h}时{m}分", "{h}h{m}m"),
    "bs_minutes": ("{m}分", "{m}m"),
    "bs_overdue_by": ("超{t}", "{t} late"),
    "bs_time_left": ("剩{t}", "{t} left"),
    # deadline wall
    "bs_wall_title": ("超期预警", "Deadline wall"),
    "bs_wall_counts": ("临期 {L1} · 超期 {L2} · 严重超期 {L3}", "near {L1} · overdue {L2} · severe {L3}"),
    "bs_wall_empty": ("当前没有临期或超期事件", "No case is near or past its deadline"),
    "bs_col_left": ("时限", "Deadline"),
    "bs_col_grid": ("网格", "Grid"),
    "bs_col_category": ("类型", "Category"),
    "bs_col_title": ("事件", "Case"),
    "bs_col_phone": ("联系电话", "Phone"),
    "bs_col_department": ("责任部门", "Department"),
    "bs_group": ("{state} {n} 件", "{state}: {n}"),
    "bs_group_shown": ("显示最紧迫的 {k} 件", "{k} most urgent shown"),
    "bs_group_none": ("无", "none"),
    # map
    "bs_map_title": ("在办事件分布", "Open cases by grid"),
    "bs_map_empty": ("数据库中没有镇街和网格的边界或中心点，无法绘制地图。",
                     "The database has no town or grid boundaries or centroids to draw."),
    "bs_map_legend": ("柱高：在办数　柱色：超期占比　红点：超期最多的网格",
                      "Height: open · colour: share overdue · red dot: most overdue"),
    # feed and hourly
    "bs_feed_title": ("最新受理", "Latest cases"),
    "bs_feed_empty": ("近期没有新事件", "No recent cases"),
    "bs_hourly_title": ("近24小时受理与办结", "Last 24 hours"),
    "bs_received": ("受理", "Received"),
    "bs_closed_in_hour": ("办结", "Closed"),
    # slow panels
    "bs_trend_title": ("近30天受理与办结", "Last 30 days"),
    "bs_category_title": ("近30天事件类型", "Categories, last 30 days"),
    "bs_best_title": ("本月网格指数 前{n}（{level}）", "Best {n} {level} this month"),
    "bs_worst_title": ("本月网格指数 后{n}（{level}）", "Worst {n} {level} this month"),
    "bs_no_ranked": ("本月事件数不足，暂无排名", "Too few cases this month to rank grids"),
    "bs_no_cases": ("暂无数据", "No data"),
    # a map panel on a PC whose browser has no WebGL (gridboard.render.maps.no_webgl_script)
    "map_no_webgl": ("此浏览器未启用 WebGL，地图无法绘制（其余数据不受影响）。请在浏览器设置中开启“使用图形加速”，或换用支持 WebGL 的电脑。",
                     "This browser has WebGL turned off, so the map cannot be drawn (everything else is unaffected). "
                     "Turn on graphics acceleration in the browser's settings, or use a PC with WebGL."),
}
