"""The review in the interface (plugins.engine.review): the office's remarks beside the fields and in
the problem list (their own kind, ⚑, before the check's findings), and F6:

* in ``nianbao review FILE`` (the office, read-only): add a remark on the focused field, table
  cell or list cell (on the part when no field has the cursor);
* in ``nianbao edit`` (the unit): answer the remark on the focused field (Enter), or mark it
  resolved (F6 again).

The app keeps its review here (:class:`ReviewState`); the app's actions (actions.py) only call in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from plugins.engine.errors import NianbaoError
from plugins.fields import clean_text
from plugins.results import Issue

from .text_layout import WrappedText

if TYPE_CHECKING:
    from plugins.engine.journal import Remark, Review

REMARK: Literal["remark"] = "remark"  # the severity remarks carry as issues (styled by widgets.issue_lines)
MARK = "⚑ "  # ✎ already marks a page being filled in
STYLE = "bold cyan"


class ReviewState:
    """The report's review as the interface shows it; ``office``: opened by ``nianbao review``."""

    def __init__(self, path: Path | None, config: Any, office: bool):
        self.path, self.config, self.office = path, config, office
        self.review: Review | None = None
        self.reload()

    def reload(self) -> None:
        from plugins.engine.journal import JournalError
        from plugins.engine.review import read_review

        if self.path is None:
            return
        try:
            self.review = read_review(self.path)
        except (JournalError, OSError):
            self.review = None

    def remarks(self, page_id: str | None = None) -> list[Remark]:
        if self.review is None:
            return []
        return [r for r in self.review.remarks if r.state != "resolved" and (page_id is None or r.section == page_id)]

    def issues(self, page_id: str | None = None) -> list[Issue]:
        """Open remarks as issues of their own kind (beside the field, in the list)."""
        return [Issue(REMARK, r.section, r.path or None, remark_text(r), rule=f"#{r.id}") for r in self.remarks(page_id)]

    def roles(self) -> Any:
        from plugins.engine.review import ReviewError, roles_for

        if self.path is None:  # the callers ask only for a report read from a file
            raise ReviewError("这份报告没有文件，没有审核意见")
        return roles_for(self.config, self.path)


def remark_text(r: Remark) -> str:
    text = f"意见#{r.id}（{r.by}）：{r.text}"
    if r.answers:
        text += f"　答复：{r.answers[-1]['text']}"
    return text


def remark_line(issue: Issue, place: str) -> RichText:
    line = RichText()
    line.append(MARK, style=STYLE)
    line.append(clean_text((f"{place}：" if place else "") + issue.message), style="cyan")
    return line


class RemarkScreen(ModalScreen["tuple[str, str] | None"]):
    """One line of text about the focused field: a new remark (office) or an answer (unit;
    F6 again marks the remark resolved instead). Returns (what, text) or None."""

    BINDINGS = [Binding("escape", "cancel", "", id="remark-cancel", show=False),
                Binding("f6", "resolve", "", id="remark-resolve", show=False, priority=True)]

    def __init__(self, title: str, shown: list[str], office: bool, t: Any):
        super().__init__()
        self.title_text, self.shown, self.office, self.t = title, shown, office, t

    def compose(self) -> ComposeResult:
        box = Vertical(id="remark-box")
        box.border_title = self.title_text
        with box:
            lines = [(RichText(MARK + clean_text(s), style="cyan"), 2, True) for s in self.shown]
            hint = self.t("remark_hint_office" if self.office else "remark_hint_unit")
            lines.append((RichText(hint, style="dim"), 0, True))
            yield WrappedText(lines, id="remark-shown")
            yield Input(id="remark-input", placeholder=self.t("remark_placeholder_office" if self.office
                                                               else "remark_placeholder_unit"))

    def on_mount(self) -> None:
        self.query_one("#remark-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.dismiss(("remark" if self.office else "answer", text))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_resolve(self) -> None:
        if not self.office:
            self.dismiss(("resolve", ""))


def focused_target(app: Any) -> tuple[str, str]:
    """(part, field path) of the editor with the cursor; the whole part when none has it."""
    from .form.editors import Editor

    widget = app.focused
    if isinstance(widget, Editor) and getattr(widget, "path", None):
        return widget.page_id, widget.path
    return app.page_id, ""


def act(app: Any) -> None:
    """F6: add a remark (office) or answer / resolve the one on the focused field (unit)."""
    state: ReviewState | None = getattr(app, "review_state", None)
    if state is None or state.path is None:
        return
    report_path = state.path
    page_id, path = focused_target(app)
    from plugins.engine.checks import describe_field

    fields = app.session.page(page_id).fields
    where = app.session.page(page_id).title + (f" › {describe_field(fields, path)}" if path else "")
    if state.office:
        shown = [remark_text(r) for r in state.remarks(page_id) if r.path == path]
        target = None
    else:
        candidates = [r for r in state.remarks(page_id) if r.path == path] or (
            [r for r in state.remarks(page_id) if path and path.startswith(r.path)] if path else []
        ) or state.remarks(page_id)
        if not candidates:
            app.notify(app.t("remark_none_here"), markup=False)
            return
        target = candidates[0]
        shown = [remark_text(target)]

    def done(result: tuple[str, str] | None) -> None:
        if result is None:
            return
        from plugins.engine import review as rv

        what, text = result
        try:
            roles = state.roles()
            if what == "remark":
                r = rv.add_remark(report_path, roles, page_id, path, text)
                message = app.t("remark_added", n=r.id)
            else:
                assert target is not None  # the unit answers or resolves the remark picked above
                if what == "answer":
                    rv.answer(report_path, roles, target.id, text)
                    message = app.t("remark_answered", n=target.id)
                else:
                    rv.resolve(report_path, roles, target.id)
                    message = app.t("remark_resolved", n=target.id)
        except NianbaoError as e:
            app.notify(str(e), severity="error", markup=False, timeout=10)
            return
        state.reload()
        app.notify(message, markup=False)
        app.refresh_issues()

    title = app.t("remark_title_office" if state.office else "remark_title_unit", where=where)
    app.push_screen(RemarkScreen(title, shown, state.office, app.t), done)


def submit(app: Any) -> None:
    """F7 in ``nianbao edit``: save, then hand the report in (refused, with the reasons, while
    it has errors or a remark nobody answered); the report is read-only from then on."""
    from plugins.engine import review as rv
    from plugins.engine.checks import describe_field

    state: ReviewState | None = getattr(app, "review_state", None)
    session = app.session
    if state is None or state.path is None or state.office:
        return
    if session.read_only:
        app.notify(session.why_read_only or app.t("read_only", holder=""), severity="warning", markup=False)
        return
    app.flush_save()
    if session.dirty:
        return  # not saved: flush_save has said why
    errors = []
    for issue in session.check().errors:
        page = next((p for p in session.pages if p.id == issue.section), None)
        where = (page.title if page else issue.section) + (
            f" › {describe_field(page.fields, issue.field)}" if page and issue.field else "")
        errors.append(f"{where}：{issue.message}")
    try:
        rv.submit(state.path, state.roles(), errors)
    except NianbaoError as e:
        text = str(e)
        lines = text.splitlines()
        if len(lines) > 4:
            text = "\n".join(lines[:4] + [app.t("submit_more", n=len(lines) - 1)])
        app.notify(text, severity="error", markup=False, timeout=15)
        return
    session.read_only, session.why_read_only = True, rv.frozen_reason(state.path)
    for w in app.editors():
        w.disabled = True
    state.reload()
    app.notify(app.t("submitted_notice"), markup=False, timeout=10)
    app.refresh_issues()
