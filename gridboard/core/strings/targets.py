"""Interface strings of the targets page (考核目标): the scorecard's targets, edited by leaders."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_targets": ("考核目标", "Targets"),
    "tg_intro": ("驾驶舱按这些目标考核各项指标。比率目标以百分比填写；时长按“限时内占比”考核：响应时限内响应的占比、"
                 "办理时限内办结的占比。保存后立即生效，并记录修改人和修改前后的值。",
                 "The scorecard judges each metric against these targets. Rates in percent; durations are judged "
                 "on the share within the limit (responded within the response limit, closed within the close "
                 "limit). Saving takes effect at once and records who changed what."),
    "tg_rates": ("比率目标（%）", "Rate targets (%)"),
    "tg_limits": ("时限", "Time limits"),
    "tg_lower_better": ("（不高于）", " (at most)"),
    "tg_higher_better": ("（不低于）", " (at least)"),
    "tg_response_limit": ("响应时限（分钟）", "Response limit (min)"),
    "tg_close_limit": ("办理时限（小时）", "Close limit (h)"),
    "tg_p90_limit": ("响应时长 P90 上限（分钟）", "Response P90 limit (min)"),
    "tg_save": ("保存目标", "Save the targets"),
    "tg_saved": ("已保存考核目标，并记录修改。", "Targets saved and the change recorded."),
    "tg_unchanged": ("目标没有变化。", "Nothing changed."),
    "tg_failed": ("保存失败：{reason}", "Saving failed: {reason}"),
    "tg_no_role": ("仅县领导和管理员可以修改考核目标。", "Only leaders and administrators can change the targets."),
    "tg_defaults": ("默认值来自种子材料：按时办结率 ≥ 98%，满意率 ≥ 95%，30 分钟内响应 ≥ 90%，24 小时内办结 ≥ 80%。",
                    "Defaults from the seed documents: on time ≥ 98 %, satisfaction ≥ 95 %, responded within 30 min "
                    "≥ 90 %, closed within 24 h ≥ 80 %."),
    "tg_log": ("目标修改记录", "Target changes"),
    "tg_log_empty": ("尚无修改记录。", "No changes yet."),
    "tg_col_at": ("时间", "When"),
    "tg_col_user": ("修改人", "Who"),
    "tg_col_changes": ("修改内容", "Changes"),
}
