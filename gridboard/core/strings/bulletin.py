"""Interface strings of the monthly bulletin page (月度通报): key → (Chinese, English)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_bulletin": ("月度通报", "Monthly bulletin"),
    "bul_mode": ("通报周期", "Bulletin period"),
    "bul_mode_month": ("按月", "A month"),
    "bul_mode_filters": ("按侧栏所选时段", "The sidebar's period"),
    "bul_month": ("月份", "Month"),
    "bul_month_label": ("{year}年{month}月", "{year}-{month:02d}"),
    "bul_hint": (
        "通报中的数字均由指标引擎按所选周期和区域计算，与其他页面相同筛选条件下的数字一致；环比为上月，同比为去年同月。"
        "文字模板和章节开关在 gridboard.toml 的 [bulletin] 中修改（默认见 gridboard/bulletin/templates.toml）。",
        "Every number comes from the metric engine for the chosen period and area, as on the other pages; the change "
        "is against the previous month and the same month last year. The bulletin is written in Chinese; edit its templates "
        "and switch sections off under [bulletin] in gridboard.toml.",
    ),
    "bul_download_docx": ("下载 Word（.docx）", "Download Word (.docx)"),
    "bul_download_html": ("下载打印版网页（.html）", "Download printable page (.html)"),
    "bul_print_hint": ("打印：下载打印版网页后用浏览器打开，按 Ctrl+P 选择 A4 纸打印或另存为 PDF。",
                       "To print: open the printable page in a browser and press Ctrl+P (A4)."),
    "bul_error": ("无法生成通报：{reason}", "Cannot make the bulletin: {reason}"),
    "bul_building": ("正在生成通报…", "Making the bulletin…"),
}
