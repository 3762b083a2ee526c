"""What a section plugin supplies: :class:`Section`, :class:`ReportFormat`, :class:`Check`,
:class:`Exporter`. Plain Python objects; none of them knows about Textual."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable, ClassVar, Iterable

from .fields import Field, FieldError
from .results import Issue

__all__ = ["Section", "ReportFormat", "Check", "Exporter"]


class Section:
    """One numbered part of the report. Subclass it and set the class attributes.

    Required:

    ``id``            stable id, dotted lowercase ASCII (``"fj.overview"``, ``"jo.newmedia"``);
                      also where the section's data lives in the TOML file (``[fj.overview]``).
    ``api_version``   the contract version this section was written for
                      (:data:`nianbao.API_VERSION`); the host refuses other versions.
    ``heading``       the heading without its numeral (``"概述"``); the host numbers the parts
                      一、二、… in their configured order.
    ``formats``       the report formats it belongs to (``("fujian-2018",)``).
    ``fields``        the values it collects, as :mod:`plugins.fields` declarations.
    ``template``      its Jinja2 template's file name inside ``template_folder``; it renders
                      the section body as document markup (:mod:`plugins.document`).
    ``template_folder`` the folder with its templates (usually next to the module).

    Optional:

    ``number``        default position (1 for 一); config.toml can reorder.
    ``replaces``      id of a section this one replaces explicitly (a county's own 概述).
    ``validate(report)`` returns :class:`~plugins.results.Issue` objects for its own data.
    ``context(report)``  extra variables for its template.
    ``carry_forward(previous)`` what ``nianbao new --from`` copies from last year's report
                      into a new one: ``{field key: value}`` with values typed as
                      ``previous.values(id)`` gives them (a grid may be partial:
                      ``{"table": {"carried_in": {...}}}``); default ``{}``. ``previous`` may be a
                      report of another format: check ``previous.format``. Never carry prose.

    ``report`` is always a read-only :class:`~plugins.engine.report.ReportView`; ``report.previous``
    is last year's report (or ``None``) for cross-year rules. The host already
    reports values of the wrong type and empty required fields; ``validate`` adds the
    arithmetic and plausibility rules.
    """

    id: ClassVar[str]
    api_version: ClassVar[int]
    heading: ClassVar[str]
    formats: ClassVar[tuple[str, ...]]
    fields: ClassVar[tuple[Field, ...]] = ()
    template: ClassVar[str] = "section.j2"
    template_folder: ClassVar[str | Path | None] = None
    number: ClassVar[int] = 99
    replaces: ClassVar[str | None] = None

    def validate(self, report: Any) -> Iterable[Issue]:
        return ()

    def context(self, report: Any) -> Mapping[str, Any]:
        return {}

    def carry_forward(self, previous: Any) -> Mapping[str, Any]:
        return {}

    # -- helpers for the host and for subclasses; not meant to be overridden ---------------
    def field(self, key: str) -> Field | None:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def load_values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The section's values typed by its fields. A value that cannot be loaded reads as
        the text typed when there is one (:meth:`~plugins.fields.Field.as_typed`: a line too
        long is still printed), else as empty; :func:`field_problems` reports it."""
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.kind == "computed":
                continue
            raw_value = _thaw(raw.get(f.key))
            try:
                out[f.key] = f.load(raw_value)
            except FieldError:
                typed = f.as_typed(raw_value)
                out[f.key] = f.empty() if typed is None else typed
        return out

    def __repr__(self) -> str:
        return f"<Section {getattr(self, 'id', '?')}>"


_SCALARS = frozenset((str, int, float, bool, type(None)))


def _thaw(value: Any) -> Any:
    if type(value) in _SCALARS:  # most values: spare them the Mapping check (an ABC's)
        return value
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class ReportFormat:
    """A report format: which years it is for and the template of the whole document.

    ``document_template`` (in ``template_folder``) renders the front matter, includes each
    section's rendering (the ``parts`` variable) and the closing matter. ``meta_fields`` are
    extra metadata fields this format needs besides the host's common ones.
    """

    id: str
    name: str
    first_year: int
    last_year: int | None
    document_template: str
    template_folder: str | Path
    meta_fields: tuple[Field, ...] = ()

    def covers(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class Check:
    """A rule a plugin adds to a section it does not own (a county's own checks).

    ``section``: the id of the section checked (``"report"`` for the metadata);
    ``run(report)`` returns issues; ``id`` names the rule in messages and listings.
    """

    id: str
    section: str
    run: Callable[[Any], Iterable[Issue]]
    description: str = ""


@dataclass(frozen=True)
class Exporter:
    """An output format. ``export(document)`` receives the rendered
    :class:`~plugins.engine.render.RenderedDocument` and returns ``str`` (text formats) or
    ``bytes`` (binary formats such as .docx)."""

    id: str
    name: str
    suffix: str
    export: Callable[[Any], str | bytes]
    binary: bool = False
    description: str = ""
