"""Interface strings of exports and print: Excel title rows, chart image captions and their
download buttons, file names (gridboard/core/export.py, gridboard/render/chart_export.py)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "exp_unit": ("单位：{unit}", "Unit: {unit}"),
    "exp_period": ("统计周期：{start} 至 {end}（含首尾两日）", "Period: {start} to {end} (both days included)"),
    "exp_as_of": ("数据截至：{as_of}", "Data as of: {as_of}"),
    "exp_source": ("数据来源：网格化社会治理指挥中心 · 事件库（gridboard）",
                   "Source: grid governance command centre · case database (gridboard)"),
    "exp_exported": ("导出时间：{at}", "Exported: {at}"),
    "exp_sheet": ("数据", "Data"),
    "exp_period_to": ("至", "to"),
    "download_png": ("下载图片（PNG）", "Download image (PNG)"),
    "download_png_failed": ("图片生成失败：{reason}", "The image could not be made: {reason}"),
    "print_note": ("打印版：完整表格（{rows} 行）", "Print version: the whole table ({rows} rows)"),
}
