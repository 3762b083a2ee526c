"""Rendering: every section's own Jinja2 template, the format's document template, and the
blocks that exporters turn into files.

Template names are namespaced: a section's templates are ``"<section id>/<file>"``, a
format's ``"<format id>/<file>"`` and the host's ``"core/<file>"``, so two plugins can both
ship a ``section.j2``. The folder named in ``config.toml`` ``[templates] override_folder`` is
looked at first with the same names (``<override>/fj.overview/overview.j2``), which is how a
county changes the wording of any part without touching a package.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import abc
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from ..host import guard
from .checks import meta_fields
from ..document import Block, Cell, Table, escape_markup, parse_markup
from ..fields import Records
from ..formatting import cn_date, cn_numeral, percent
from .history import view_with_previous
from ..host.manager import PluginHost
from .report import Report, ReportView
from ..section import Section

__all__ = ["Renderer", "RenderedDocument", "RenderedPart", "Raw", "TemplateFailure", "TemplateOverride",
           "override_folder", "template_folders", "template_overrides"]

CORE_TEMPLATES = Path(__file__).parent.parent / "templates"  # plugins/templates


class Raw(str):
    """Markup that must not be escaped again (a rendered part inside the document)."""


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return cn_date(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def escaped(value: Any) -> Any:
    """Escape every string in a value tree for document markup. Templates only ever receive
    data through this (values, metadata, computed results, ``context()``), so nothing typed
    by an operator can start a directive or split a table cell, while the template's own
    text and macros are printed as written."""
    if isinstance(value, Raw):
        return value
    if isinstance(value, str):
        return escape_markup(value)
    if isinstance(value, Mapping):
        return {k: escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escaped(v) for v in value]
    if isinstance(value, Table):
        return Table(escaped(value.caption), [[_cell(c) for c in r] for r in value.head], [[_cell(c) for c in r] for r in value.body])
    return value


def _cell(c: Cell) -> Cell:
    return Cell(escape_markup(c.text), c.colspan, c.rowspan, c.header, c.computed)


def _paras(value: Any) -> list[str]:
    return [] if not value else [p for p in str(value).split("\n") if p.strip()]


class Computed(Mapping[str, Any]):
    """``computed.total`` or ``computed["total"]`` in a template: a computed field."""

    def __init__(self, view: ReportView, section_id: str, keys: list[str]):
        self._view, self._sid, self._keys = view, section_id, keys

    def __getitem__(self, key: str) -> Any:
        return escaped(self._view.computed(self._sid, key))

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:  # without computing the value, as Mapping's would
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


def template_folders(host: PluginHost) -> dict[str, Path]:
    """Every template namespace and the folder its templates come from: ``core`` (the host's
    macros), each format id and each section id. A template's name is ``<namespace>/<file>``."""
    out = {"core": CORE_TEMPLATES}
    out.update((fmt.id, Path(fmt.template_folder)) for fmt in host.formats.values())
    # (a loaded section always has a template_folder: the host refuses one without)
    out.update((s.id, Path(s.template_folder or "")) for s in host.sections.values())
    return out


@dataclass(frozen=True)
class TemplateOverride:
    """A file in config.toml's ``[templates] override_folder``, used instead of a plugin's."""

    name: str  # the template's name, "fj.overview/overview.j2"
    path: Path  # the county's file
    replaces: Path | None  # the plugin's file it is used instead of; None: no template has this name
    plugin: str  # the plugin whose template it replaces ("" when none)


def override_folder(host: PluginHost) -> Path | None:
    """config.toml's ``[templates] override_folder``; None in safe mode, which ignores the
    county's overrides as it ignores its plugins (a broken override is the county's code too)."""
    return None if host.safe_mode else host.config.template_folder


def template_overrides(host: PluginHost) -> list[TemplateOverride]:
    """The override folder's templates, each with the template it takes the place of. A file
    whose name matches no template (a misspelt section id or file name) is listed with
    ``replaces=None``: the renderer never uses it."""
    folder = override_folder(host)
    if folder is None or not folder.is_dir():
        return []
    folders = template_folders(host)
    owners = {fmt.id: host.plugin_of(fmt) for fmt in host.formats.values()}
    owners.update((s.id, host.plugin_of(s)) for s in host.sections.values())
    out = []
    # Template names always have a namespace: files at the folder's top (a README) name none.
    for path in sorted(p for p in folder.glob("*/**/*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        prefix, _, rest = name.partition("/")
        original = folders[prefix] / rest if prefix in folders else None
        if original is not None and original.is_file():
            out.append(TemplateOverride(name, path, original, owners.get(prefix, "nianbao")))
        else:
            out.append(TemplateOverride(name, path, None, ""))
    return out


class TemplateFailure(Exception):
    """A template failed to compile or to render; ``str()`` names the file and line that
    failed, blaming the county's override when the failing line is in one (not the plugin
    whose template it replaces), and says why."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}：{reason}")
        self.where, self.reason = where, reason


def _template_lines(exc: BaseException) -> list[tuple[Path, int]]:
    """The template files and lines an exception from Jinja2 went through, outermost first:
    a syntax error's own; else the template frames of the traceback (Jinja2 rewrites it so
    that template code shows with its file and line)."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        return [(Path(exc.filename), exc.lineno)] if exc.filename else []
    found = []
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:  # (the frames Jinja2 makes for template lines)
            found.append((Path(tb.tb_frame.f_code.co_filename), tb.tb_lineno))
        tb = tb.tb_next
    return found


@dataclass
class RenderedPart:
    section: Section
    numeral: str
    markup: str
    error: str = ""  # set when the section's template failed

    @property
    def heading(self) -> str:
        return f"{self.numeral}、{self.section.heading}"


@dataclass
class RenderedDocument:
    """What exporters receive: the blocks of the whole document, plus the parts."""

    blocks: list[Block]
    parts: list[RenderedPart] = field(default_factory=list)
    meta: Mapping[str, Any] = field(default_factory=dict)
    format_id: str = ""
    title: str = ""


@functools.cache
def _environment_class() -> type:
    """Jinja2's environment where ``x.name`` on a mapping is its key ``name`` whenever it
    has one. Jinja2 looks for an attribute first, so a field named ``items``, ``keys``,
    ``values``, ``get`` (any dict method) printed ``<built-in method items …>`` in every
    export; a mapping without that key still has its methods (``meta.get("unit")``)."""
    import jinja2

    class TemplateEnvironment(jinja2.Environment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            if isinstance(obj, abc.Mapping) and isinstance(attribute, str) and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    return TemplateEnvironment


class Renderer:
    def __init__(self, host: PluginHost):
        # Imported here, not at the top: checking a report must not pay for Jinja2 (about
        # 20 ms), which only rendering needs.
        import jinja2

        self.host = host
        prefixes: dict[str, jinja2.BaseLoader] = {
            prefix: jinja2.FileSystemLoader(str(folder)) for prefix, folder in template_folders(host).items()}
        loaders: list[jinja2.BaseLoader] = []
        self.override_folder = override_folder(host)
        if self.override_folder is not None:
            loaders.append(jinja2.FileSystemLoader(str(self.override_folder)))
        loaders.append(jinja2.PrefixLoader(prefixes, delimiter="/"))
        self.env = _environment_class()(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=False,
            finalize=_finalize,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            cn_date=cn_date,
            cn_numeral=cn_numeral,
            paras=_paras,
            percent=percent,
            oneline=lambda v: "" if v is None else " ".join(_paras(v)),
        )
        self.env.globals.update(cn_numeral=cn_numeral, percent=percent, cn_date=cn_date)
        for name, record in host.records.items():
            if record.state != "loaded":
                continue
            for impl in host.pm.hook.nianbao_prepare_jinja2_environment.get_hookimpls():
                if impl.plugin_name != name:
                    continue
                args = {a: {"env": self.env, "config": host.config}[a] for a in impl.argnames}
                try:
                    guard.call(impl.function, **args)
                except guard.PluginError as exc:
                    record.notes.append(f"nianbao_prepare_jinja2_environment 出错，已忽略：{exc}")
                    host.trace_call(name, "nianbao_prepare_jinja2_environment", args, f"出错 {exc}")
                else:
                    host.trace_call(name, "nianbao_prepare_jinja2_environment", args, "None")

    # -- sections ------------------------------------------------------------------------
    def section_markup(self, section: Section, view: ReportView, numeral: str = "") -> str:
        """The section body as document markup (raises whatever the template raises)."""
        values = view.values(section.id)
        ctx: dict[str, Any] = {
            "section": section,
            "numeral": numeral,
            # every declared metadata key is defined (None when not filled in), as in the document template
            "meta": escaped({**{f.key: None for f in meta_fields(self.host, view)}, **dict(view.meta)}),
            "year": view.year,
            "data": escaped(values),
            # the 合计 rows of the lists that declare one (Records.total)
            "totals": {f.key: f.totals(values.get(f.key)) for f in section.fields if isinstance(f, Records) and f.total},
            "values": lambda sid: escaped(view.values(sid)),
            "computed": Computed(view, section.id, [f.key for f in section.fields if f.kind == "computed"]),
        }
        ctx.update(escaped(dict(section.context(view))))
        return self._render_template(f"{section.id}/{section.template}", ctx, self.host.plugin_of(section))

    def _render_template(self, name: str, ctx: Mapping[str, Any], plugin: str) -> str:
        """Template ``name`` rendered; a failure of Jinja2's (syntax, an undefined name...)
        as :class:`TemplateFailure` naming the file and line: the county's override when
        the line is in one, else the plugin's template."""
        try:
            return self.env.get_template(name).render(ctx)
        except Exception as exc:  # noqa: BLE001 - a filter may raise anything; the line says where
            lines = _template_lines(exc)
            if not lines:
                raise
            reason = guard.describe(exc)
            folder = self.override_folder
            # the innermost line of the county's override if it went through one (it may have
            # called a macro with what made it fail), else the innermost template line
            county = [at for at in lines if folder is not None and at[0].is_relative_to(folder)]
            path, line = (county or lines)[-1]
            if county:
                where = (f"模板覆盖 {path} 第 {line} 行（代替插件 {plugin} 的模板；改正这个文件，"
                         "或把它移出 config.toml [templates] override_folder）")
            else:
                shown = next((f"{ns}/{path.relative_to(root).as_posix()}" for ns, root in template_folders(self.host).items()
                              if path.is_relative_to(root)), str(path))
                where = f"插件 {plugin} 的模板 {shown} 第 {line} 行"
            raise TemplateFailure(where, reason) from None

    def render_part(self, section: Section, view: ReportView, position: int) -> RenderedPart:
        numeral = cn_numeral(position)

        def markup() -> str | TemplateFailure:
            try:
                return self.section_markup(section, view, numeral)
            except TemplateFailure as failure:  # (kept whole: it says whose file and line)
                return failure

        try:
            # the section's template and context() are the plugin's code (or the county's override)
            result = guard.call(markup)
        except guard.PluginError as exc:
            result = TemplateFailure(f"插件 {self.host.plugin_of(section)}", str(exc))
        if isinstance(result, TemplateFailure):
            msg = f"本部分无法生成（{result.where}）：{result.reason}"
            return RenderedPart(section, numeral, "::broken " + escape_markup(msg), error=msg)
        return RenderedPart(section, numeral, result)

    # -- the document --------------------------------------------------------------------
    def render(self, report: Report, view: ReportView | None = None) -> RenderedDocument:
        """The whole document. Without ``view``, ``previous`` is set as in ``check_report``."""
        view = view or view_with_previous(self.host, report)[0]
        fmt = self.host.format_for(report)
        if fmt is None:
            raise ValueError("无法确定报告格式：请填写报告年度或格式")
        parts = [self.render_part(s, view, i) for i, s in enumerate(self.host.sections_for(fmt.id), start=1)]
        meta = self.meta_values(report, view)
        markup = self._render_template(f"{fmt.id}/{fmt.document_template}", dict(
            meta=escaped(meta),
            year=view.year,
            format=fmt,
            parts=[{"numeral": p.numeral, "heading": escape_markup(p.heading), "section": p.section, "body": Raw(p.markup)} for p in parts],
        ), self.host.plugin_of(fmt))
        blocks = parse_markup(markup)
        title = "".join(b.text.replace("\n", "") for b in blocks if b.kind == "title")
        return RenderedDocument(blocks, parts, meta, fmt.id, title)

    def meta_values(self, report: Report, view: ReportView) -> dict[str, Any]:
        """The metadata typed by its fields. A value a rule refuses (a pattern, a length) is
        printed as typed (:meth:`~plugins.fields.Field.as_typed`): an exporter never drops
        what the operator wrote; check_report reports it."""
        out: dict[str, Any] = {}
        for f in meta_fields(self.host, report):
            raw = view.meta.get(f.key)
            try:
                out[f.key] = f.load(raw)
            except Exception:  # noqa: BLE001 - reported by check_report
                out[f.key] = f.as_typed(raw)
        return out
