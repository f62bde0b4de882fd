"""Interface strings of the safety layer: errors with a request id, ignored URL parameters, a
database that cannot be read (gridboard/ui/errors.py, gridboard/core/params.py)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "err_internal": (
        "页面出现内部错误，已记录（编号 {rid}）。请刷新页面；如仍出现，请将编号告知管理员。",
        "Internal error, logged as {rid}. Reload the page; if it happens again, give this number to the administrator.",
    ),
    "err_param_ignored": (
        "网址参数 {name}={value} 无效，已忽略。",
        "URL parameter {name}={value} is not valid and was ignored.",
    ),
    "err_db_unreadable": (
        "数据库文件无法读取（{reason}），请联系管理员检查数据库文件。编号 {rid}。",
        "The database file cannot be read ({reason}): ask the administrator to check it. Reference {rid}.",
    ),
    "err_db_locked": ("被其他程序占用", "held by another process"),
    "err_db_readonly": ("文件只读，无法写入", "the file is read-only"),
    "err_db_corrupt": ("文件已损坏或不是数据库文件", "the file is damaged or not a database"),
    "err_db_missing": ("文件不存在", "the file does not exist"),
    "err_db_other": ("无法打开", "it cannot be opened"),
}
