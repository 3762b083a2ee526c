"""The keys: one table of bindings, each with an id (remappable with ``App.set_keymap``),
and the long name of each action for the help screen (F1) and the command palette
(ctrl+p). A new key binding goes in :func:`make_bindings`, its action in ``tui/actions.py``."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from .i18n import Translator


def key_name(key: str) -> str:
    """``ctrl+up`` -> ``Ctrl+Up``, ``f1`` -> ``F1`` (as printed on keyboards)."""
    return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in key.strip().split("+"))


def make_bindings(t: Translator) -> list[BindingType]:
    """Every binding has an id (remappable with ``App.set_keymap``) and uses only keys that
    terminals send over SSH: ctrl+letter and F-keys, each F-key with a ctrl alternative
    (F10 too: ctrl+p lists every command). The footer shows the important ones in 80
    columns; the help screen (F1) lists them all."""
    pages = Binding.Group(t("short_pages"), compact=True)
    records = Binding.Group(t("short_records"), compact=True)
    return [
        Binding("f1,ctrl+o", "help", t("help"), id="help", priority=True, key_display="F1"),
        Binding("f2,ctrl+b", "prev_page", t("prev_section"), id="prev-section", priority=True, key_display="F2", group=pages),
        Binding("f3,ctrl+f", "next_page", t("next_section"), id="next-section", priority=True, key_display="F3", group=pages),
        # (the footer shows the keys in this order, as many as fit: on a small terminal the
        # first ones stay, the rest are in the help screen and the command palette)
        Binding("f9,ctrl+t", "toggle_preview", t("short_toggle_preview"), id="toggle-preview", priority=True, key_display="F9"),
        Binding("f10", "export", t("export"), id="export", priority=True, key_display="F10"),
        Binding("f4,ctrl+g", "next_problem", t("short_next_problem"), id="next-problem", priority=True, key_display="F4"),
        Binding("f8,ctrl+l", "toggle_issues", t("short_toggle_issues"), id="toggle-issues", priority=True, key_display="F8"),
        # (no ctrl alternative is left that no field uses: ctrl+p lists these too)
        Binding("f5", "toggle_nav", t("toggle_nav"), id="toggle-nav", priority=True, key_display="F5", show=False),
        Binding("f6", "remark", t("remark"), id="remark", priority=True, key_display="F6", show=False),
        Binding("f7", "submit", t("submit"), id="submit", priority=True, key_display="F7", show=False),
        # (a browser keeps ctrl+n for a new window: Insert too, shown there: BROWSER_KEY_DISPLAY)
        Binding("ctrl+n,insert", "add_record", t("short_add_record"), id="add-record", priority=True, key_display="^n", group=records),
        Binding("ctrl+r", "remove_record", t("short_remove_record"), id="remove-record", priority=True, key_display="^r", group=records),
        Binding("ctrl+up", "move_record(-1)", t("move_up"), id="move-up", priority=True, show=False),
        Binding("ctrl+down", "move_record(1)", t("move_down"), id="move-down", priority=True, show=False),
        Binding("ctrl+s", "save", t("save"), id="save", priority=True, show=False),
        Binding("ctrl+q", "quit", t("quit"), id="quit", priority=True, key_display="^q"),
        Binding("ctrl+p", "command_palette", t("commands"), id="command-palette", show=False),
        Binding("escape", "close_issues", "", id="close-issues", show=False),
        # Moving between fields is decided here, before the key goes to a field, so that keys
        # typed ahead (they arrive together over a slow link) land in the field they were
        # typed for. The fields' own behaviour applies where these do not.
        Binding("tab", "next_field(1)", "", id="next-field", priority=True, show=False),
        Binding("shift+tab", "next_field(-1)", "", id="previous-field", priority=True, show=False),
        Binding("enter", "enter_field", "", id="enter-next-field", priority=True, show=False),
        Binding("up", "cell('up')", "", id="cell-up", priority=True, show=False),
        Binding("down", "cell('down')", "", id="cell-down", priority=True, show=False),
        Binding("left", "cell('left')", "", id="cell-left", priority=True, show=False),
        Binding("right", "cell('right')", "", id="cell-right", priority=True, show=False),
        Binding("pageup", "cell('pageup')", "", id="cell-page-up", priority=True, show=False),
        Binding("pagedown", "cell('pagedown')", "", id="cell-page-down", priority=True, show=False),
    ]


#: Keys the browsers of the offices (Chrome, Edge, Firefox on Windows) keep for themselves
#: even from a page that asks for every key (a new window, a new tab, closing the tab):
#: under ``nianbao serve`` the footer shows another key of the same binding instead.
BROWSER_KEEPS = frozenset({"ctrl+n", "ctrl+t", "ctrl+w"})
BROWSER_KEY_DISPLAY = {"add-record": "Ins"}

# The long names of the actions, for the help screen and the command palette.
LONG_NAMES = {"prev_page": "prev_section", "next_page": "next_section", "next_problem": "next_problem",
               "toggle_issues": "toggle_issues", "toggle_preview": "toggle_preview", "toggle_nav": "toggle_nav", "export": "export",
               "add_record": "add_record", "remove_record": "remove_record", "move_record(-1)": "move_up",
               "move_record(1)": "move_down", "save": "save", "quit": "quit", "help": "help",
               "command_palette": "commands", "remark": "remark", "submit": "submit"}
RECORD_ACTIONS = ("add_record", "remove_record", "move_record")
