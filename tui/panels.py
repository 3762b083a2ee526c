"""The panels around the form and when each is shown: the part list (nav, with each part's
state), the issue list, the status line; and the layout for the terminal's size (the
preview beside the form from ``WIDE`` columns, the issue list under it from ``TALL`` rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text as RichText
from textual.app import ScreenStackError
from textual.css.query import NoMatches
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from plugins.engine.checks import describe_field
from plugins.fields import clean_text
from plugins.results import Issue

from .session import parse_path
from .review import MARK as REMARK_MARK
from .text_layout import WrappedText, fit, wrap_text

if TYPE_CHECKING:
    from .parts import AppParts
else:
    AppParts = object  # (the type checker sees the app's shared state and parts: tui/parts.py)


WIDE = 120  # from this width the preview is shown beside the form
TALL = 30  # from this height the issue list is shown under it
NAV_CELLS = 24  # width of the navigation column
NAV_COLLAPSE = 72  # below this width the navigation shows only marks and numerals (8 columns)
STATE_MARK = {"empty": "◦", "progress": "✎", "errors": "✗", "warnings": "!", "complete": "✓", "broken": "⊘"}
STATE_STYLE = {"empty": "dim", "progress": "", "errors": "bold red", "warnings": "yellow",
               "complete": "green", "broken": "bold red"}


def show_text(widget: Static, text: RichText) -> None:
    """``widget.update(text)`` unless it shows that already: an update lays the whole screen
    out again, which with a 1 MB text area in the form takes tens of milliseconds, and the
    page's state and the status line are set again after every check."""
    old = widget.content
    if isinstance(old, RichText) and (old.plain, old.spans, old.style) == (text.plain, text.spans, text.style):
        return
    widget.update(text)


def _short_title(title: str) -> str:
    """The numeral of a section title (``二、``), or the first two characters."""
    head, sep, _ = title.partition("、")
    return head + sep if sep and len(head) <= 3 else fit(title, 4)


class Panels(AppParts):
    """The app's panels: the part list, the issue list, the status line, the layout."""

    @property
    def term_size(self) -> tuple[int, int]:
        """The terminal's size, the latest one even while the screen is being resized."""
        return self._resized_to or tuple(self.size)  # type: ignore[return-value]

    def _layout_for(self, width: int, height: int) -> tuple[bool, bool, bool, bool]:
        """(preview shown, issue list shown, narrow navigation, short screen)."""
        preview = self._user_preview if self._user_preview is not None else width >= WIDE
        issues = self._user_issues if self._user_issues is not None else height >= TALL
        # The part list collapses to its state marks and numerals (every part's state stays
        # visible) when the operator asks (F5), below NAV_COLLAPSE columns, and with the
        # preview beside the form on a narrow screen.
        if self._user_nav is not None:
            narrow = self._user_nav
        else:
            narrow = width < NAV_COLLAPSE or (preview and width < WIDE)
        return preview, issues, narrow, height < TALL

    def _apply_layout(self) -> None:
        show_preview, show_issues, narrow, short = self._layout_for(*self.term_size)
        preview = self.query_one("#preview")
        if show_preview and not preview.display and self.page_widget() is not None:
            self.schedule_preview(0)  # shown by a resize: it has not followed the typing while hidden
        preview.display = show_preview
        self.query_one("#issues").display = show_issues
        self.query_one("#nav").set_class(narrow, "-narrow")
        self.screen.set_class(short, "-short")
        self._nav_keys = ()
        if self.page_widget() is not None:
            self.refresh_nav()
            self._refresh_issue_list()
            self.refresh_status()

    def refresh_nav(self) -> None:
        nav = self.query_one("#nav", OptionList)
        narrow = nav.has_class("-narrow")
        entries = tuple((p.id, self.session.state(p.id), p.title) for p in self.session.pages)
        if entries != self._nav_keys:
            self._nav_keys = entries
            options = []
            for page_id, state, title in entries:
                label = RichText(STATE_MARK[state] + " ", style=STATE_STYLE[state])
                label.append(_short_title(title) if narrow else fit(title, NAV_CELLS - 5), style=STATE_STYLE[state])
                options.append(Option(label, id=page_id))
            nav.set_options(options)
        ids = [p.id for p in self.session.pages]
        if self.page_id in ids:
            nav.highlighted = ids.index(self.page_id)

    def ordered_issues(self) -> list[Issue]:
        order = {p.id: i for i, p in enumerate(self.session.pages)}
        rank = {"error": 0, "warning": 1}
        issues = self.session.result.issues
        # Errors before warnings, as nianbao check counts them; among the errors the
        # contradictions before what is simply not filled in yet.
        return sorted(issues, key=lambda i: (rank.get(i.severity, 2), i.rule == "V-REQUIRED", order.get(i.section, 99)))

    def refresh_issues(self) -> None:
        """Messages beside the fields of this page, computed values, the issue list, the
        navigation and the status bar, all from the last check."""
        result = self.session.result
        by_key: dict[str, list[Issue]] = {}
        general: list[Issue] = []
        remarks = self.review_state.issues(self.page_id) if self.review_state is not None else []
        for issue in remarks + list(result.for_section(self.page_id)):
            if issue.field:
                by_key.setdefault(parse_path(issue.field)[0], []).append(issue)
            elif issue.rule != "PLUGIN":
                general.append(issue)
        # computed values from the view the check computed them on (no plugin code here)
        view = self.session.checked_view or self.host.view(self.session.report)
        for box in self.page_boxes():
            box.show_issues(by_key.get(box.field.key, []))
            box.refresh_computed(view)
        state = self.session.state(self.page_id)
        for tag in self.query_page(".page-state").results(Label):
            show_text(tag, RichText(f"{STATE_MARK[state]} {self.t('state_' + state)}", style=STATE_STYLE[state]))
        broken = self.session.broken(self.page_id)
        lines = [(RichText("⊘ " + clean_text(self.t("section_broken", msg=broken)), style="bold red"), 2, True)] if broken else []
        lines += [(RichText(("✗ " if i.severity == "error" else REMARK_MARK if i.severity == "remark" else "! ")
                            + clean_text(i.message),
                            style="red" if i.severity == "error" else "cyan" if i.severity == "remark" else "yellow"),
                   2, True) for i in general]
        for banner in self.query_page(".broken").results(WrappedText):
            banner.set_lines(lines)
            banner.display = bool(lines)
        self._refresh_issue_list()
        self.refresh_nav()
        self.refresh_status()

    def _refresh_issue_list(self) -> None:
        panel = self.query_one("#issues", OptionList)
        if not panel.display:
            return  # built when shown
        # the office's remarks first, as their own kind; then the check's findings
        remarks = self.review_state.issues() if self.review_state is not None else []
        issues = remarks + self.ordered_issues()
        width = max(self.term_size[0] - 4, 20)  # the list spans the screen: less scrollbar and padding
        keys = (width,) + tuple((i.section, i.field, i.message, i.severity, i.rule) for i in issues)
        if keys == self._issue_keys:
            return
        self._issue_keys = keys
        self._showing_issues = issues
        titles = {p.id: p.title for p in self.session.pages}
        options = []
        for n, issue in enumerate(issues):
            fields = self.session.page(issue.section).fields if issue.section in titles else ()
            kind = "missing" if issue.rule == "V-REQUIRED" else issue.severity
            mark, style = {"error": ("✗ ", "bold red"), "warning": ("! ", "yellow"), "missing": ("◦ ", "dim"),
                           "remark": (REMARK_MARK, "bold cyan")}[kind]
            label = describe_field(fields, issue.field).replace(" · ", "·")
            text = RichText()
            text.append(mark, style=style)
            text.append(fit(titles.get(issue.section, issue.section), 14), style="bold")
            text.append(" " + (label + "：" if label else ""))
            text.append(clean_text(issue.message), style="dim" if kind == "missing" else "")
            options.append(Option(RichText("\n").join(wrap_text(text, width, hang=2)), id=str(n)))
        highlighted = panel.highlighted
        panel.set_options(options)
        if options:
            panel.highlighted = min(highlighted or 0, len(options) - 1)
        panel.border_title = self.t("issues_title", n=len(issues)) if issues else self.t("issues_none")

    def plugins_mark(self) -> RichText | None:
        """安全模式, or how many plugins do not run, for the status line: in view as long as the
        report is open (the notice on start goes; F1 lists them with the reasons)."""
        host = self.host
        if host.safe_mode:
            return RichText(self.t("status_safe_mode"), style="bold yellow")
        if host.failed:
            return RichText(self.t("status_plugins_off", n=len(host.failed)), style="bold red")
        if host.problems:
            return RichText(self.t("status_plugins_problem"), style="bold red")
        return None

    def plugins_notice(self) -> str:
        """What the operator is told on start about plugins that do not run (or safe mode)."""
        host = self.host
        if host.safe_mode:
            return self.t("safe_mode_notice")
        failed = host.failed
        if len(failed) == 1:  # (short, not to cover the form: the reason in full is in F1)
            return self.t("plugins_off_one", name=failed[0].name, reason=failed[0].reason.split("：")[0])
        if failed:
            return self.t("plugins_off_many", n=len(failed), names="、".join(r.name for r in failed))
        return self.t("plugins_problems", problem=host.problems[0]) if host.problems else ""

    def refresh_status(self) -> None:
        """One line: whose report and which file │ how many problems │ plugins that do not
        run or safe mode, when so │ saved or not."""
        try:
            status = self.screen.query_one("#status", Static)
        except (NoMatches, ScreenStackError):
            return  # a modal screen is on top, or the app is closing: nothing to update
        s = self.session
        meta = s.report.meta
        # the counts in the words of ``nianbao check`` (one vocabulary for both)
        result = s.result
        summary = result.summary() if self.t.language == "zh" else self.t(
            "counts" if result.missing else "counts_all", errors=len(result.errors), missing=len(result.missing),
            warnings=len(result.warnings))
        counts = RichText(summary, style="bold red" if result.errors else "yellow" if result.warnings else "")
        plugins = self.plugins_mark()
        if plugins is not None:  # (said after the counts: the counts lack what those plugins check)
            counts = counts + RichText(" │ ") + plugins
        unit, year = clean_text(str(meta.get("unit", ""))), meta.get("year", "")
        who = f"{unit} {year}".strip()
        if s.read_only:
            # whose report comes first; who holds it gets what is left (at least 只读)
            why = clean_text(s.holder or s.why_read_only)
            bare = self.t("read_only", holder="")
            room = self.term_size[0] - 1 - counts.cell_len - 6 - cell_len(who) - cell_len(bare)
            shown = self.t("read_only", holder=fit(why, room)) if room >= 6 else bare.rstrip("：: ")
            saved = RichText(shown, style="bold yellow")
        elif s.save_error:
            saved = RichText(self.t("not_saved", error=fit(s.save_error.removeprefix("无法保存："), 16)), style="bold red")
        elif s.dirty:
            saved = RichText(self.t("unsaved"), style="yellow")
        elif s.last_saved:
            saved = RichText(self.t("saved_at", time=s.last_saved.strftime("%H:%M:%S")), style="green")
        else:
            saved = RichText("")
        name = s.report.path.name if s.report.path else ""
        room = self.term_size[0] - 1 - counts.cell_len - saved.cell_len - 6
        left = RichText(" ")
        if room >= cell_len(who) + 2 + cell_len(name):
            left.append(who, style="bold")
            left.append("  " + name)
        elif year and room >= cell_len(f" {year}") + 4:
            # the unit is shortened, never the year (last year's report may be open beside it)
            left.append(f"{fit(unit, room - cell_len(f' {year}'))} {year}", style="bold")
        else:
            left.append(fit(who, max(room, 4)), style="bold")
        show_text(status, left + RichText(" │ ") + counts + RichText(" │ ") + saved)

    async def jump(self, issue: Issue) -> None:
        if issue.section != self.page_id:
            await self.show_page(issue.section, focus_path=issue.field)
        else:
            self.focus_path(issue.field)
