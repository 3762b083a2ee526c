"""Interface strings, Chinese by default, English when config.toml says ``language = "en"``.

Only the interface's own words live here; field labels and messages come from the plugins."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "save": ("保存", "Save"),
    "quit": ("退出", "Quit"),
    "help": ("帮助", "Help"),
    "prev_section": ("上一部分", "Previous part"),
    "next_section": ("下一部分", "Next part"),
    "next_problem": ("下一个问题", "Next problem"),
    "toggle_issues": ("问题列表", "Problems"),
    "toggle_preview": ("预览", "Preview"),
    "export": ("导出", "Export"),
    "commands": ("命令", "Commands"),
    "add_record": ("新增一条", "Add record"),
    "remove_record": ("删除本条", "Remove record"),
    "move_up": ("上移", "Move up"),
    "move_down": ("下移", "Move down"),
    "meta_page": ("报告信息", "Document"),
    "state_empty": ("未填", "empty"),
    "state_progress": ("填写中", "in progress"),
    "state_warnings": ("有警告", "warnings"),
    "state_errors": ("有错误", "errors"),
    "state_complete": ("完成", "complete"),
    "state_broken": ("故障", "broken"),
    "saved_at": ("已保存 {time}", "Saved {time}"),
    "unsaved": ("未保存", "Unsaved"),
    "read_only": ("只读：{holder}", "Read-only: {holder}"),
    "no_problems": ("没有发现问题", "No problems found"),
    "problems_count": ("{errors} 个错误，{warnings} 个警告", "{errors} errors, {warnings} warnings"),
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "missing": ("未填", "missing"),
    "record_n": ("第{n}条", "Record {n}"),
    "no_records": ("（还没有记录，按 ctrl+n 新增）", "(no records yet: ctrl+n adds one)"),
    "computed": ("自动计算", "computed"),
    "export_title": ("导出报告", "Export the report"),
    "export_to": ("保存到", "Save to"),
    "export_done": ("已导出 {path}", "Exported {path}"),
    "export_failed": ("导出失败：{error}", "Export failed: {error}"),
    "export_with_errors": ("注意：报告还有 {n} 个错误", "Note: the report still has {n} errors"),
    "cancel": ("取消", "Cancel"),
    "ok": ("确定", "OK"),
    "section_broken": ("本部分的插件出错，已填写的内容不受影响：{msg}", "This part's plugin failed; what you typed is safe: {msg}"),
    "save_failed": ("保存失败：{error}", "Save failed: {error}"),
    "bad_encoding": ("收到无法识别的字符（�）：请把终端编码设为 UTF-8", "Received undecodable characters (�): set the terminal to UTF-8"),
    "readonly_notice": ("此报告正在被他人编辑（{holder}），本次以只读方式打开，不会覆盖。", "Someone else is editing this report ({holder}); opened read-only."),
    "help_title": ("按键说明", "Keys"),
    "help_intro": (
        "Tab / Shift+Tab 在字段间移动，回车到下一个字段；表格中可用方向键移动。\n"
        "内容随打随存（每秒至多一次），离开字段、切换部分、退出、断线时都会保存。\n"
        "数字可用全角、千位分隔符；小数、负数、字母会被拒绝并提示。\n"
        "错误（红色）必须改正；警告（黄色）请复核；“未填”表示还没有填写。",
        "Tab / Shift+Tab move between fields, Enter goes to the next one; arrows move in tables.\n"
        "Everything is saved as you type (at most once a second), and on leaving a field or part,\n"
        "on quit and when the connection drops. Full-width digits and 1,000 are accepted;\n"
        "decimals, negatives and letters are refused with a message. Red errors must be fixed;\n"
        "yellow warnings deserve a second look.",
    ),
}


class Translator:
    def __init__(self, language: str = "zh"):
        self.index = 1 if language == "en" else 0

    def __call__(self, key: str, **kwargs: object) -> str:
        text = STRINGS[key][self.index]
        return text.format(**kwargs) if kwargs else text
