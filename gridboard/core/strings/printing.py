"""Interface strings of the printed copy of a table (gridboard/ui/printing.py)."""

STRINGS: dict[str, tuple[str, str]] = {
    "prt_more_download": ("另有 {n} 行未打印（共 {total} 行）：完整数据请用下载按钮导出",
                          "{n} more rows not printed ({total} in all): the download holds them all"),
    "prt_more": ("另有 {n} 行未打印（共 {total} 行）", "{n} more rows not printed ({total} in all)"),
}
