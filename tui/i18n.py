"""Interface strings, Chinese by default, English when config.toml says ``language = "en"``.

Only the interface's own words live here; field labels and messages come from the plugins."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    # -- actions: the footer shows the short form, the help screen and palette the long one
    "save": ("保存", "Save"),
    "quit": ("退出", "Quit"),
    "help": ("帮助", "Help"),
    "prev_section": ("上一部分", "Prev part"),
    "next_section": ("下一部分", "Next part"),
    "next_problem": ("下一个问题", "Next problem"),
    "toggle_issues": ("问题列表", "Problems"),
    "toggle_preview": ("预览", "Preview"),
    "toggle_nav": ("收起/展开目录", "Collapse/expand the part list"),
    "short_toggle_preview": ("预览", "View"),
    "export": ("导出", "Export"),
    "commands": ("命令", "Commands"),
    "add_record": ("新增一条", "Add record"),
    "remove_record": ("删除本条", "Remove record"),
    "move_up": ("上移本条", "Move record up"),
    "move_down": ("下移本条", "Move record down"),
    # (the footer at 80 columns holds every main key with the records' group: a cell more
    # and ^n ^r's label is cut; the two keys of a group stand apart, F2 F3, so no slash here)
    "short_pages": ("上下部分", "Parts"),
    "short_next_problem": ("下个问题", "Next !"),
    "short_toggle_issues": ("问题表", "List"),
    "short_records": ("增删", "Add/Del"),
    "short_add_record": ("新增", "Add"),
    "short_remove_record": ("删除", "Delete"),
    "goto_page": ("转到：{title}", "Go to: {title}"),
    # -- pages and states
    "meta_page": ("报告信息", "Document"),
    "state_empty": ("未填", "empty"),
    "state_progress": ("填写中", "in progress"),
    "state_warnings": ("有警告", "warnings"),
    "state_errors": ("有错误", "errors"),
    "state_complete": ("完成", "complete"),
    "state_broken": ("插件故障", "plugin failed"),
    # -- status bar
    "saved_at": ("已保存 {time}", "Saved {time}"),
    "saved": ("已保存", "Saved"),
    "unsaved": ("未保存", "Unsaved"),
    "read_only": ("只读：{holder}", "Read-only: {holder}"),
    "read_only_typing": ("只读：{holder} 正在编辑此报告，这里不能修改（对方退出后重新打开即可编辑）",
                         "Read-only: {holder} is editing this report; nothing can be changed here"),
    "not_saved": ("未能保存：{error}", "Not saved: {error}"),
    "no_problems": ("没有发现问题", "No problems found"),
    # (Chinese: CheckResult.summary, the words of ``nianbao check``)
    "counts": ("{errors} 个错误（其中 {missing} 处未填），{warnings} 个警告",
               "{errors} error(s) ({missing} empty), {warnings} warning(s)"),
    "counts_all": ("{errors} 个错误，{warnings} 个警告", "{errors} error(s), {warnings} warning(s)"),
    # -- fields and messages
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "missing": ("未填", "missing"),
    "missing_cells": ("{n} 格未填", "{n} cells empty"),
    "grid_keys": ("方向键、Tab、回车逐格移动，PgUp/PgDn 翻一屏", "Arrows, Tab, Enter: cell to cell; PgUp/PgDn: a screenful"),
    "row_total": ("本行{label}", "Row {label}"),
    "column_total": ("本列{label}", "Column {label}"),
    "computed_cell": ("：自动计算，不能输入", ": computed, not typed"),
    "other_problems": ("表中有{n}处问题，先看{where}：{message}", "{n} problem(s) in the table; first {where}: {message}"),
    "record_n": ("第{n}条", "Record {n}"),
    "no_records": ("（还没有记录：按 ctrl+n 或 Insert 新增一条）", "(no records yet: ctrl+n or Insert adds one)"),
    "computed": ("自动计算", "computed"),
    "choose": ("请选择", "Select"),
    "close_list": ("关闭列表", "Close the list"),
    "preview_cut": ("……（预览只显示本部分的前 {rows} 行，导出的文件包含全部内容）",
                    "… (the preview shows this part's first {rows} lines; exported files hold all of it)"),
    "check_slow": ("检查已运行超过 {seconds} 秒仍未结束（可能是某个插件卡住了）；输入照常保存，检查结果在它结束后更新",
                   "The check has run for more than {seconds} s (a plugin may be stuck); what you type is still saved, the messages follow when it ends"),
    "check_resumed": ("检查已完成，结果已更新", "The check has finished; the messages are up to date"),
    "check_failed": ("检查出错：{error}；输入照常保存", "The check failed: {error}; what you type is still saved"),
    "cannot_compute": ("（无法计算：{error}）", "(cannot compute: {error})"),
    "preview_failed": ("（预览失败：{error}）", "(preview failed: {error})"),
    "issues_title": ("问题 {n} 个 · 回车跳到字段", "{n} problems · Enter jumps to the field"),
    "issues_none": ("没有问题", "No problems"),
    "preview_title": ("预览", "Preview"),
    # -- export
    "export_title": ("导出报告", "Export the report"),
    "export_to": ("保存到", "Save to"),
    "export_done": ("已导出 {path}", "Exported {path}"),
    "export_delivered": ("已导出 {path}，并交给浏览器下载（见浏览器的下载列表）",
                         "Exported {path}, and handed to the browser (see its downloads)"),
    "export_failed": ("导出失败：{error}", "Export failed: {error}"),
    "export_go": ("导出", "Export"),
    "export_anyway": ("仍要导出", "Export anyway"),
    "export_hint": ("回车导出到下面的文件（Tab 可改文件名）", "Enter exports to the file below (Tab to change it)"),
    "export_ask": ("还有{n}处错误，仍要导出吗？回车导出，Esc 取消", "{n} errors remain: export anyway? Enter exports, Esc cancels"),
    "exporting": ("正在导出（{name}）…… 已用 {s} 秒", "Exporting ({name})... {s} s"),
    "cancel": ("取消", "Cancel"),
    "ok": ("确定", "OK"),
    # -- problems with the program or the terminal
    "section_broken": ("本部分的插件出错，已填写的内容不受影响：{msg}", "This part's plugin failed; what you typed is safe: {msg}"),
    # -- plugins that do not run (the status bar, a notice on start, the help screen)
    "status_safe_mode": ("安全模式", "Safe mode"),
    "status_plugins_off": ("{n}个插件未运行", "{n} plugin(s) off"),
    "status_plugins_problem": ("插件有问题", "Plugin problem"),
    "plugins_off_one": ("插件 {name} 没有运行：{reason}（F1 查看）", "Plugin {name} is not running: {reason} (F1 for details)"),
    "plugins_off_many": ("{n} 个插件没有运行：{names}（F1 查看原因）", "{n} plugins are not running: {names} (F1 for why)"),
    "plugins_problems": ("插件有问题：{problem}（F1 查看）", "A plugin problem: {problem} (F1 for details)"),
    "safe_mode_notice": ("安全模式：只加载了内置插件，县里的插件和覆盖模板都没有使用",
                         "Safe mode: built-in plugins only; the county's plugins and template overrides are not used"),
    "help_plugins_title": ("插件（nianbao plugins 查看详情）：", "Plugins (nianbao plugins gives the details):"),
    "save_failed": ("保存失败：{error}", "Save failed: {error}"),
    "bad_encoding": ("收到无法识别的字符，没有写入报告：终端的字符编码不是 UTF-8，请在 SSH 客户端中改为 UTF-8",
                     "Undecodable characters refused, not written to the report: set the terminal's encoding to UTF-8"),
    "readonly_reason": ("以只读方式打开：{reason}", "Opened read-only: {reason}"),
    "changed_on_disk": ("{error}", "The file was changed by someone else and was not overwritten: {error}"),
    "saved_again": ("已保存（刚才未能保存的内容现已写入）", "Saved (what could not be saved before is now on disk)"),
    "quit_unsaved": ("无法保存（{reason}），您输入的内容只在这里：解决后按 ctrl+s 保存；坚持退出请再按 ctrl+q（将尝试另存到临时文件夹）",
                     "Cannot save ({reason}); what you typed is only here: fix it and press ctrl+s; "
                     "press ctrl+q again to quit anyway (a copy is tried in the temporary folder)"),
    "readonly_notice": ("此报告正在被他人编辑（{holder}），本次以只读方式打开，不会覆盖。",
                        "Someone else is editing this report ({holder}); opened read-only."),
    "crash": ("nianbao 出现意外错误（{error}），已退出：{saved}；{log}。",
              "nianbao stopped on an unexpected error ({error}): {saved}; {log}."),
    "crash_saved": ("输入的内容都已保存在 {file}，没有丢失", "everything typed is saved in {file}, nothing was lost"),
    "crash_read_only": ("报告是只读打开的，没有改动", "the report was open read-only and is unchanged"),
    "crash_not_saved": ("报告没能保存（{error}），最后一秒内输入的内容可能没有保存",
                        "the report could not be saved ({error}): the last second of typing may be missing"),
    "crash_log": ("详细情况已写入 {log}，请发给技术支持", "the details are in {log}: please send it to your support"),
    "crash_no_log": ("详细情况没能写入日志文件", "the details could not be written to a log file"),
    "quit_hint": ("退出请按 ctrl+q（内容已自动保存）", "Press ctrl+q to quit (everything is saved)"),
    # -- help
    "help_title": ("按键说明", "Keys"),
    "key_tab": ("Tab / Shift+Tab", "Tab / Shift+Tab"),
    "key_tab_desc": ("下一个 / 上一个字段", "next / previous field"),
    "key_enter": ("回车", "Enter"),
    "key_enter_desc": ("下一个字段（多行文字中换行）", "next field (new line in prose)"),
    "key_arrows": ("方向键", "Arrows"),
    "key_arrows_desc": ("表格中逐格移动（PgUp/PgDn 翻一屏）", "cell to cell in tables (PgUp/PgDn a screenful)"),
    "help_intro": (
        "内容随打随存（每秒至多一次），离开字段、切换部分、退出、断线时也都会保存。\n"
        "数字可用全角数字、千位分隔符和空格；小数、负数、字母会被拒绝并提示，原样保留到改正为止。\n"
        "✗ 红色是错误，必须改正；! 黄色是警告，请复核；◦ 表示还没有填写。\n"
        "左栏标记：◦ 未填  ✎ 填写中  ! 有警告  ✗ 有错误  ✓ 完成  ⊘ 插件故障。\n"
        "有的终端不传 F 键：每个都有 Ctrl 替代键，Ctrl+P 列出全部命令。",
        "Everything is saved as you type (at most once a second), and on leaving a field or part, on quit and when the connection drops.\n"
        "Numbers may use full-width digits, 1,000 and spaces; decimals, negatives and letters are refused with a message and kept as typed until corrected.\n"
        "✗ red is an error to fix; ! yellow a warning to review; ◦ not filled in yet.\n"
        "Marks on the left: ◦ empty  ✎ in progress  ! warnings  ✗ errors  ✓ complete  ⊘ plugin failed.\n"
        "Some terminals do not send F-keys: each has a Ctrl alternative, and Ctrl+P lists every command.",
    ),
    "help_close": ("Esc 关闭", "Esc closes"),
    # -- nianbao edit on a published document: the offer to import it
    "offer_title": ("{document} 是已发布的文档", "{document} is a published document"),
    "offer_question": ("nianbao 不会修改它。导入为旁边的 {target}（表格数字、各部分文字、文档信息）并打开？",
                       "nianbao never writes it. Import it into {target} beside it (table figures, each part's text, "
                       "the document's details) and open that?"),
    "offer_found": ("导入时读到的内容", "What the import found"),
    "offer_import": ("导入并打开", "Import and open"),
    "offer_decline": ("不导入", "Do not import"),
    # -- county status (nianbao status --tui)
    "status_title": ("{year}年度报告 · {today} · 已交 {handed}/{total}，未交 {missing}，有错误 {errors}",
                     "{year} reports · {today} · handed in {handed}/{total}, missing {missing}, with errors {errors}"),
    "status_common": ("最常见的错误：{n}个单位 {error}", "Most common error: {n} units {error}"),
    "status_common_more": ("（另有{n}种错误不止一个单位有：nianbao status 列出）",
                           " ({n} more errors shared by several units: nianbao status lists them)"),
    "status_open": ("打开", "Open"),
    "status_refresh": ("刷新", "Refresh"),
    "status_no_file": ("{name}没有可以打开的报告文件", "{name} has no report file that can be opened"),
    "status_col_unit": ("单位", "Unit"),
    "status_col_level": ("层级", "Level"),
    "status_col_state": ("状态", "State"),
    "status_col_errors": ("错误", "Errors"),
    "status_col_warnings": ("警告", "Warn."),
    "status_col_deadline": ("期限", "Due"),
    "status_col_days": ("剩余", "Days left"),
    "status_col_review": ("审核", "Review"),
    "remark": ("审核意见", "Remark"),
    "submit": ("提交审核", "Submit for review"),
    "remark_hint_office": ("Enter 记下意见，Esc 取消", "Enter records the remark, Esc cancels"),
    "remark_hint_unit": ("Enter 发送答复，F6 标为已解决，Esc 取消", "Enter sends the answer, F6 marks it resolved, Esc cancels"),
    "remark_placeholder_office": ("意见", "remark"),
    "remark_placeholder_unit": ("答复", "answer"),
    "remark_none_here": ("这里没有审核意见（F8 的问题列表里有全部意见）", "No remark here (F8 lists them all)"),
    "remark_added": ("已记下第 {n} 号意见", "Remark {n} recorded"),
    "remark_answered": ("已答复第 {n} 号意见", "Remark {n} answered"),
    "remark_resolved": ("第 {n} 号意见已解决", "Remark {n} resolved"),
    "remark_title_office": ("审核意见：{where}", "Remark on {where}"),
    "remark_title_unit": ("答复审核意见：{where}", "Answer the remark on {where}"),
    "submit_more": ("……（共 {n} 条，F8 查看）", "… ({n} in all, F8 lists them)"),
    "submitted_notice": ("已提交，等待县政府办审核；审核期间报告不能修改",
                         "Submitted: the county office reviews it; it cannot be changed meanwhile"),
    "review_mode": ("审核模式：F6 对光标所在处提意见", "review: F6 adds a remark here"),
    "remarks_waiting": ("有 {n} 条审核意见未解决：F8 查看，F6 答复", "{n} open remarks: F8 lists them, F6 answers"),
    "review_missing": ("未交", "not handed in"),
    "review_unknown": ("无法读取", "unreadable"),
    "review_drafting": ("填报中", "drafting"),
    "review_submitted": ("已提交", "submitted"),
    "review_returned": ("退回（{n}条意见）", "returned ({n} remarks)"),
    "review_approved": ("已通过", "approved"),
    "review_detail": ("审核：{state}（{since}）", "review: {state} ({since})"),
    "status_missing": ("未交", "missing"),
    "status_unreadable": ("无法读取", "unreadable"),
    "status_wrong_year": ("年度不符", "wrong year"),
    "status_errors": ("有错误", "errors"),
    "status_ok": ("已交", "handed in"),
    "level_government": ("本级政府", "government"),
    "level_department": ("部门", "department"),
    "level_township": ("乡镇街道", "township"),
    "days_left": ("还有{n}天", "{n} days left"),
    "days_today": ("今天截止", "due today"),
    "days_late": ("逾期{n}天", "{n} days late"),
}


class Translator:
    def __init__(self, language: str = "zh"):
        self.language = "en" if language == "en" else "zh"
        self.index = 1 if language == "en" else 0

    def __call__(self, key: str, **kwargs: object) -> str:
        text = STRINGS[key][self.index]
        return text.format(**kwargs) if kwargs else text
