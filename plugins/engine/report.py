"""The report document: metadata plus one table per section, exactly as in its TOML file.

:class:`Report` holds the parsed TOML document itself (``data``). Keys that no loaded
plugin knows stay in ``data`` untouched and are written back on save, so a file opened
without a county's plugin never loses that plugin's data.

Section ids are dotted (``fj.overview``) and address nested TOML tables (``[fj.overview]``).

Sections only ever see a :class:`ReportView`: the same data, read-only.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any, Callable

from ..fields import Computed

__all__ = ["Report", "ReportView", "META"]

META = "report"  # the table of document metadata, and its "section id" in issues


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _table_at(root: dict, dotted: str, create: bool) -> dict | None:
    node: Any = root
    for part in dotted.split("."):
        nxt = node.get(part) if isinstance(node, dict) else None
        if not isinstance(nxt, dict):
            if not create:
                return None
            nxt = {}
            node[part] = nxt
        node = nxt
    return node


class _MetaFacts:
    """What a report and its read-only view read alike from the ``[report]`` table."""

    @property
    def meta(self) -> Mapping[str, Any]:
        raise NotImplementedError

    @property
    def year(self) -> int | None:
        y = self.meta.get("year")
        return y if isinstance(y, int) and not isinstance(y, bool) else None

    @property
    def format(self) -> str | None:
        f = self.meta.get("format")
        return f if isinstance(f, str) else None


class Report(_MetaFacts):
    """A report being edited. ``data`` is the whole TOML document (mutable)."""

    def __init__(self, data: dict | None = None, path: Path | None = None):
        self.data: dict = data if data is not None else {}
        self.path = Path(path) if path else None
        #: the file's text as read, then what the store keeps to rewrite it (plugins.engine.tomlwrite)
        self.stored: Any = None
        #: hash of the file's bytes as last read or written: a change by someone else is noticed
        self.digest: bytes | None = None

    # -- metadata -----------------------------------------------------------------------
    @property
    def meta(self) -> dict:
        table = self.data.get(META)
        if not isinstance(table, dict):
            table = {}
            self.data[META] = table
        return table

    # -- section data ----------------------------------------------------------------------
    def section_data(self, section_id: str, create: bool = False) -> dict:
        """The raw table of one section (``{}`` if absent and not ``create``)."""
        if section_id == META:
            return self.meta
        table = _table_at(self.data, section_id, create)
        return table if table is not None else {}

    def set_value(self, section_id: str, key: str, raw: Any) -> None:
        """Store a TOML value (already dumped by its field) under ``key``; ``None``,
        empty lists and empty tables remove the key."""
        table = self.section_data(section_id, create=True)
        if raw is None or raw == [] or raw == {}:
            table.pop(key, None)
        else:
            table[key] = raw

    def view(self, sections: Any = None, previous: "ReportView | None" = None) -> "ReportView":
        """A read-only view; ``sections`` (``id -> Section``, supplied by the host) lets the
        view load typed values and computed fields of every section; ``previous`` is the view
        of last year's report (see :mod:`plugins.engine.history`), if any."""
        return ReportView(self, sections, previous)


class ReportView(_MetaFacts):
    """What a section sees: the report, read-only.

    ``view.meta`` and ``view.section(id)`` are the raw TOML tables as read-only mappings
    (lists become tuples). ``view.values(id)`` gives the section's values loaded through its
    field declarations (a value of the wrong type reads as ``None``; the host reports it).
    ``view.computed(id, key)`` evaluates a :class:`~plugins.fields.Computed` field of any
    section, so one section can use another's figures.

    ``view.previous`` is a view of the same unit's report for the year before (found by
    :mod:`plugins.engine.history`: ``[report] previous``, else the same folder), or ``None`` when
    there is none; cross-year rules use it and stay silent without it. Its own ``previous``
    is always ``None``.

    ``view.memo(key, compute)`` caches any value derived from the report for the life of the
    view (the view is a read-only snapshot): the first call returns ``compute()``, later calls
    with the same hashable ``key`` return that same object, so callers must not mutate it.
    """

    def __init__(self, report: Report, sections: Mapping[str, Any] | None = None,
                 previous: "ReportView | None" = None):
        self._frozen = _freeze(report.data)
        self._sections = sections or {}
        self._cache: dict[tuple[str, str], Any] = {}
        self._values: dict[str, dict[str, Any]] = {}
        self._memo: dict[Any, Any] = {}
        self.path = report.path
        self.previous = previous

    @property
    def meta(self) -> Mapping[str, Any]:
        m = self._frozen.get(META)
        return m if isinstance(m, Mapping) else MappingProxyType({})

    def section(self, section_id: str) -> Mapping[str, Any]:
        node: Any = self._frozen
        for part in section_id.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return node if isinstance(node, Mapping) else MappingProxyType({})

    def values(self, section_id: str) -> Mapping[str, Any]:
        if section_id not in self._values:
            section = self._sections.get(section_id)
            raw = self.section(section_id)
            self._values[section_id] = section.load_values(raw) if section is not None else dict(raw)
        return self._values[section_id]

    def computed(self, section_id: str, key: str) -> Any:
        k = (section_id, key)
        if k not in self._cache:
            section = self._sections.get(section_id)
            fld = section.field(key) if section is not None else None
            if not isinstance(fld, Computed):
                raise KeyError(f"section {section_id!r} has no computed field {key!r}")
            self._cache[k] = None  # guards against a cycle between computed fields
            try:
                self._cache[k] = fld.evaluate(self, section_id)
            except BaseException as exc:
                self._cache[k] = _Failed(exc)  # the same failure for every reader of this view
                raise
        value = self._cache[k]
        if type(value) is _Failed:
            raise value.error
        return value

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed once per view and ``key`` (shared: do not mutate it)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    @property
    def raw(self) -> Mapping[str, Any]:
        return self._frozen


class _Failed:
    """A computed field whose computation raised (kept, so a second reader sees why)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


def today() -> _dt.date:
    return _dt.date.today()
