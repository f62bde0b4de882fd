"""Interface strings of the import page (pages/import.py): 数据导入 / Data import.

Messages about a file's content come from the import library (gridboard.ingest and friends) in
Chinese; these strings frame them.
"""

STRINGS: dict[str, tuple[str, str]] = {
    "page_import": ("数据导入", "Data import"),
    "imp_intro": (
        "把热线、网格系统导出的 CSV 或 Excel 文件导入数据库：选择数据表和文件 → 核对列映射 → 检查 → 导入。"
        "检查不会改动数据库；只有点击“导入”才写入。",
        "Load CSV or Excel exports of the hotline and grid systems: choose the table and the file → check the "
        "column mapping → check → load. Checking changes nothing; only “Load” writes.",
    ),
    # step 1
    "imp_step1": ("① 选择数据表和文件", "① Table and file"),
    "imp_table": ("导入到数据表", "Import into table"),
    "imp_file": ("上传文件（CSV 或 Excel）", "Upload a file (CSV or Excel)"),
    "imp_file_help": (
        "支持 UTF-8、带 BOM 的 UTF-8、GBK/GB18030 编码，逗号、制表符或分号分隔，自动识别；Excel 支持 .xlsx 和旧版 .xls。",
        "UTF-8, UTF-8 with BOM and GBK/GB18030, separated by comma, tab or semicolon, are detected; "
        "Excel files as .xlsx or old .xls.",
    ),
    "imp_templates": ("导入模板", "Import templates"),
    "imp_templates_help": (
        "「{table}」的空白模板：中文表头和一行示例，填好后可直接导入。",
        "An empty template of “{table}”: Chinese headers and one example row, ready to fill in and import.",
    ),
    "imp_template_xlsx": ("Excel 模板", "Excel template"),
    "imp_template_csv": ("CSV 模板", "CSV template"),
    "imp_tbl_units": ("单位/网格", "Units / grids"),
    "imp_tbl_cases": ("事件/工单", "Cases"),
    "imp_tbl_volunteers": ("志愿者", "Volunteers"),
    "imp_tbl_volunteer_services": ("志愿服务记录", "Volunteer services"),
    "imp_tbl_collective_economy": ("村集体经济", "Collective economy"),
    "imp_error": ("无法导入：{reason}", "Cannot import: {reason}"),
    "imp_error_unexpected": (
        "导入时发生意外错误，数据库未作任何改变：{reason}",
        "Unexpected error while importing; the database is unchanged: {reason}",
    ),
    # step 2
    "imp_step2": ("② 核对列映射", "② Column mapping"),
    "imp_file_read": (
        "已读取文件：{describe}，{columns} 列，约 {rows} 行（估计值，检查时逐行计数）。",
        "File read: {describe}, {columns} columns, about {rows} rows (an estimate; the check counts every row).",
    ),
    "imp_file_read_exact": (
        "已读取文件：{describe}，{columns} 列，{rows} 行数据。",
        "File read: {describe}, {columns} columns, {rows} data rows.",
    ),
    "imp_preset": ("映射方式", "Mapping"),
    "imp_preset_auto": ("自动识别（按字段名和中文别名）", "Automatic (contract names and Chinese aliases)"),
    "imp_preset_builtin": ("（内置预设）", " (built-in preset)"),
    "imp_preset_picked": (
        "已按表头自动选择最匹配的映射预设，可以改选。",
        "The preset that fits the headers best was picked; you can change it.",
    ),
    "imp_mapping_help": (
        "为每个字段选择文件中的列（带 * 的为必填）；下方小字是文件中的示例值。",
        "Pick the file column of each field (* = required); the small text is a sample value from the file.",
    ),
    "imp_not_mapped": ("（不导入）", "(not imported)"),
    "imp_example": ("例：{value}", "e.g. {value}"),
    "imp_example_empty": ("前几行为空", "empty in the first rows"),
    "imp_constant": ("预设固定值：{value}", "Fixed by the preset: {value}"),
    "imp_unused": ("未导入的列：{columns}", "Columns not imported: {columns}"),
    "imp_sample": ("文件预览（前 {n} 行）", "File preview (first {n} rows)"),
    "imp_mapping_error": ("还不能检查：{reason}", "Cannot check yet: {reason}"),
    "imp_mapping_fix": (
        "请在上面的列映射中为带 * 的字段选择文件中的列，或换一个映射预设；也请确认数据表选对了。",
        "Pick a file column for each field marked * above, or another preset; and make sure the table is right.",
    ),
    "imp_save_preset": ("把当前映射另存为预设", "Save this mapping as a preset"),
    "imp_preset_name": ("预设名称", "Preset name"),
    "imp_preset_name_help": (
        "字母、数字、汉字、下划线或连字符；保存到 data/presets/名称.json。",
        "Letters, digits, Chinese characters, _ or -; saved as data/presets/NAME.json.",
    ),
    "imp_preset_label": ("说明（可选）", "Description (optional)"),
    "imp_save": ("保存", "Save"),
    "imp_preset_saved": ("已保存映射预设「{name}」", "Mapping preset “{name}” saved"),
    # step 3
    "imp_step3": ("③ 检查数据", "③ Check"),
    "imp_add_units": ("把未知单位新建为网格", "Add unknown units as new grids"),
    "imp_add_units_help": (
        "文件中的网格名称或编码在数据库里找不到时，默认拒绝这些行；勾选后把它们新建为所选单位下的网格。",
        "Rows naming a grid the database does not know are rejected; tick to create such grids under the unit "
        "you pick.",
    ),
    "imp_parent": ("新网格挂在", "New grids go under"),
    "imp_parent_pick": ("请选择镇街或社区/村", "Choose a town or community"),
    "imp_parent_needed": ("先选择新网格所属的镇街或社区/村，才能检查。", "Choose the town or community the new grids "
                          "belong to before checking."),
    "imp_live_history": ("超过 {days} 天仍未办结的案件也计入大屏实时数", "Count cases open for more than {days} days "
                         "as live on the wall"),
    "imp_live_history_help": (
        "默认把上报超过 {days} 天仍未办结的案件作为历史件导入：可以查询和统计，但不进入大屏的在办、超期等实时数。"
        "只有确认这些案件确实仍在办理时才勾选。",
        "By default, cases still open {days} days after they were reported are imported as history: they can be "
        "searched and counted, but stay off the wall's live counts (open, overdue…). Tick only when you know they "
        "are really still being handled.",
    ),
    "imp_history_flagged": (
        "{n} 件案件上报超过 {days} 天仍未办结，将按历史件导入，不计入大屏的在办、超期等实时数。",
        "{n} cases have been open for more than {days} days: they will be imported as history, off the wall's live "
        "counts (open, overdue…).",
    ),
    "imp_history_live": (
        "{n} 件案件上报超过 {days} 天仍未办结，已确认计入大屏实时数。",
        "{n} cases have been open for more than {days} days and are confirmed as live: they count on the wall.",
    ),
    "imp_nu_name": ("名称", "Name"),
    "imp_nu_level": ("层级", "Level"),
    "imp_nu_parent": ("上级单位", "Parent"),
    "imp_nu_id": ("编码", "Code"),
    "imp_nu_place": ("位置（经度, 纬度）", "Place (lon, lat)"),
    "imp_nu_root": ("（新建为县级根单位）", "(new county root)"),
    "imp_undo_pick": ("撤销一次导入", "Undo an import"),
    "imp_undo_help": (
        "删除这次导入新增的行、恢复它更新前的行、删除它新建的单位，在一个事务中完成。之后又改动同一张表的导入须先撤销。",
        "Deletes the rows the import added, restores the rows it updated and removes the units it created, in one "
        "transaction. Later imports that changed the same table must be undone first.",
    ),
    "imp_undo_sure": ("确认撤销导入 #{n}", "Yes, undo import #{n}"),
    "imp_undo": ("撤销", "Undo"),
    "imp_undo_none": ("目前没有可以撤销的导入。", "No import can be undone now."),
    "imp_check": ("开始检查", "Check the file"),
    "imp_check_help": (
        "检查会逐行核对类型、必填项、取值范围和单位，并与数据库比较；不写入任何数据。",
        "The check verifies every row (types, required fields, values, units) and compares it with the "
        "database; it writes nothing.",
    ),
    "imp_recheck": ("文件、映射或选项已更改，请重新检查。", "The file, mapping or options changed: check again."),
    "imp_progress_start": ("正在读取文件…", "Reading the file…"),
    "imp_progress": ("已检查 {done} / {total} 行", "Checked {done} of {total} rows"),
    "imp_m_read": ("读取行数", "Rows read"),
    "imp_m_accepted": ("可导入", "Accepted"),
    "imp_m_rejected": ("拒绝", "Rejected"),
    "imp_m_new": ("新增", "New"),
    "imp_m_updated": ("更新", "Updated"),
    "imp_m_unchanged": ("无变化", "Unchanged"),
    "imp_x_warned": ("带警告 {n} 行", "{n} rows with warnings"),
    "imp_x_merged": ("重复合并 {n} 行", "{n} duplicate rows merged"),
    "imp_x_unassigned": ("无位置、归入“未划分” {n} 行", "{n} rows without a location go to “未划分”"),
    "imp_x_units": ("新建单位 {n} 个", "{n} new units"),
    "imp_empty_value": ("（空）", "(empty)"),
    "imp_report": ("检查报告全文", "Full check report"),
    "imp_new_units": ("将新建的单位（{n} 个）", "Units to be created ({n})"),
    "imp_hint_add_units": (
        "有些行的单位在数据库中不存在。如果这些是新的网格，勾选上面的“把未知单位新建为网格”，选好上级单位后重新检查。",
        "Some rows name units the database does not know. If they are new grids, tick “Add unknown units as new "
        "grids” above, pick their parent and check again.",
    ),
    "imp_no_problems": ("没有发现问题，所有行都可以导入。", "No problems found: every row can be loaded."),
    "imp_problems": ("问题清单（按字段汇总，下面是逐行明细）", "Problems by field, then row by row"),
    "imp_p_field": ("字段", "Field"),
    "imp_p_problem": ("问题", "Problem"),
    "imp_p_action": ("处理", "Action"),
    "imp_p_rows": ("行数", "Rows"),
    "imp_p_first": ("首见行号", "First row"),
    "imp_sev_error": ("拒绝", "Rejected"),
    "imp_sev_warning": ("警告", "Warning"),
    "imp_severity": ("只看", "Show only"),
    "imp_fields": ("字段", "Fields"),
    "imp_fields_all": ("全部字段", "All fields"),
    "imp_problems_more": (
        "明细只显示前 {n} 条；完整清单请下载。",
        "Only the first {n} problems are listed; download the full list.",
    ),
    "imp_dl_rejected": ("下载被拒绝的行（{n} 行，含原因）", "Download rejected rows ({n}, with reasons)"),
    "imp_dl_problems": ("下载问题清单", "Download problem list"),
    "imp_rejected_file": ("{stem}_被拒绝的行.csv", "{stem}_rejected_rows.csv"),
    "imp_problems_file": ("{stem}_问题清单.csv", "{stem}_problems.csv"),
    "imp_preview": ("导入后的变化预览", "What the load would change"),
    "imp_tab_new": ("新增 {n}", "New {n}"),
    "imp_tab_updated": ("更新 {n}", "Updated {n}"),
    "imp_tab_unchanged": ("无变化 {n}", "Unchanged {n}"),
    "imp_preview_empty": ("没有这类行。", "No such rows."),
    "imp_preview_more": ("只显示前 {n} 行（共 {total} 行）。", "First {n} rows shown ({total} in all)."),
    # step 4
    "imp_step4": ("④ 导入", "④ Load"),
    "imp_all_or_nothing": ("全部通过才导入", "All or nothing"),
    "imp_aon_help": (
        "勾选后，只要有一行被拒绝，整个文件都不导入；不勾选时只导入通过检查的行。",
        "When ticked, one rejected row keeps the whole file out; otherwise the accepted rows are loaded.",
    ),
    "imp_nothing_accepted": ("没有可以导入的行。", "No row can be loaded."),
    "imp_aon_blocked": (
        "已选择“全部通过才导入”，但有 {n} 行被拒绝：请修正文件后重新上传，或取消该选项。",
        "“All or nothing” is ticked but {n} rows are rejected: fix the file and upload it again, or untick it.",
    ),
    "imp_load": ("导入 {n} 行", "Load the accepted rows ({n})"),
    "imp_loading": ("正在写入数据库…", "Writing to the database…"),
    "imp_done": (
        "导入完成：「{file}」→ {table}，新增 {new} 行，更新 {updated} 行，无变化 {unchanged} 行，"
        "拒绝 {rows_rejected} 行（导入记录 #{log_id}）。各页面已刷新为最新数据。",
        "Loaded “{file}” → {table}: {new} new, {updated} updated, {unchanged} unchanged, {rows_rejected} "
        "rejected (import #{log_id}). Every page now shows the new data.",
    ),
    "imp_done_unchanged": (
        "「{file}」与数据库中的数据完全相同，没有任何改变（导入记录 #{log_id}）。",
        "“{file}” matches the database exactly: nothing changed (import #{log_id}).",
    ),
    "imp_done_nothing": (
        "「{file}」未导入，数据库没有任何改变。",
        "“{file}” was not loaded; the database is unchanged.",
    ),
    "imp_history": ("导入记录（最近 20 次）", "Import log (latest 20)"),
    "imp_history_empty": ("还没有导入记录。", "No imports yet."),
}
