"""The field types a section declares.

A section never builds widgets: it lists fields as data, and every front end (the Textual
form, ``nianbao check``, the exporters) interprets the same declarations. Each field knows
three conversions, all of which raise :class:`FieldError` with a plain Chinese message
instead of guessing:

* ``parse(text)``  what an operator typed  -> stored value (``None`` for empty)
* ``load(raw)``    what the TOML file holds -> stored value (type checked)
* ``dump(value)``  stored value             -> what goes into the TOML file
* ``format(value)`` stored value            -> text to show in an input

Values are plain Python: ``int``, :class:`decimal.Decimal`, ``str``, :class:`datetime.date`,
``list[dict]`` for :class:`Records` and ``dict[row][col]`` for :class:`Grid`.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal as _Decimal, InvalidOperation
from typing import Any, Callable, ClassVar

__all__ = [
    "FieldError",
    "Field",
    "Integer",
    "Decimal",
    "Line",
    "Text",
    "Date",
    "Choice",
    "Records",
    "Total",
    "Grid",
    "GridRow",
    "GridColumn",
    "Computed",
    "clean_text",
    "field_path",
]


class FieldError(ValueError):
    """A value that cannot be accepted; ``str(error)`` is the message for the operator."""


# Terminal escape sequences (CSI, OSC, single-character escapes) and every other control
# character: user text must never be able to move a cursor or recolour a screen.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


def clean_text(text: str, multiline: bool = False) -> str:
    """Strip escape sequences and control characters; keep newlines only if ``multiline``."""
    # Text that is all printable has nothing to strip (every character stripped below is not
    # printable, ESC included): returned as it is — nearly all text, and each paragraph is
    # cleaned whenever a report is loaded or checked.
    if text.isprintable() or (multiline and text.replace("\n", "").isprintable()):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _ESCAPES.sub("", text)
    if not multiline:
        text = text.replace("\n", " ")
    return _CONTROLS.sub("", text)


def field_path(*parts: str | int) -> str:
    """Build the address of a value inside a section: ``field_path("items", 2, "title")``
    gives ``"items[2].title"``; grid cells are ``"grid.row.col"``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


# Full-width forms (U+FF01-U+FF5E) are the ASCII characters a Chinese input method types.
# Nothing else is mapped: NFKC would also turn ² into 2 and ① into 1, silently.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def _normalise_number(text: str) -> str:
    s = re.sub(r"\s+", "", text.translate(_FULLWIDTH))
    if not s.isascii():
        raise FieldError(f"不是数字：{text.strip()}")
    if "," in s:
        if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", s):
            raise FieldError(f"千位分隔符位置不对：{text.strip()}")
        s = s.replace(",", "")
    return s


@dataclass(frozen=True, kw_only=True)
class Field:
    """Common attributes of every field.

    ``key``: stable identifier inside the section's TOML table (ASCII, never changes once
    published); ``label``: the Chinese label shown to the operator; ``help``: one line
    shown under the field; ``required``: an empty value is reported as an error (rule
    V-REQUIRED); ``expected``: for a field that is not ``required`` — the format does not
    demand it, but a report normally has it — an empty value is a warning (rule V-EXPECTED);
    ``unit``: shown after the value (件, 条, 万元 ...).
    """

    kind: ClassVar[str] = "field"
    key: str
    label: str
    help: str = ""
    required: bool = True
    expected: bool = False
    unit: str = ""

    @property
    def scalar(self) -> bool:
        return True

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def load(self, raw: Any) -> Any:
        return raw

    def dump(self, value: Any) -> Any:
        return value

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)

    def empty(self) -> Any:
        return None

    def as_typed(self, raw: Any) -> Any:
        """What to print for a stored value that :meth:`load` refuses because a rule
        dislikes it (a pattern, a length): the text as the operator typed it, never nothing.
        ``None`` when there is no such text (a number that is not a number stays empty)."""
        return None


@dataclass(frozen=True, kw_only=True)
class Integer(Field):
    """A whole number (a count of items, applications, cases). Never negative unless
    ``minimum`` says so."""

    kind: ClassVar[str] = "integer"
    minimum: int | None = 0

    def _check(self, value: int, shown: str) -> int:
        if self.minimum is not None and value < self.minimum:
            if self.minimum == 0:
                raise FieldError(f"不能为负数：{shown}")
            raise FieldError(f"不能小于{self.minimum}：{shown}")
        return value

    def parse(self, text: str) -> int | None:
        s = _normalise_number(text)
        if not s:
            return None
        if re.fullmatch(r"[+-]?\d+", s):
            if len(s) > 4000:  # int() refuses more than 4300 digits
                raise FieldError(f"数字位数太多：{text.strip()[:20]}…")
            return self._check(int(s), text.strip())
        if re.fullmatch(r"[+-]?\d*\.\d+|[+-]?\d+\.\d*", s):
            raise FieldError(f"应填整数，不能有小数：{text.strip()}")
        raise FieldError(f"不是数字：{text.strip()}")

    def load(self, raw: Any) -> int | None:
        if type(raw) is int and (self.minimum is None or raw >= self.minimum):
            return raw  # what a report file holds nearly always: checked without a detour
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise FieldError(f"应为整数，文件中是 {raw!r}")
        if isinstance(raw, str):
            return self.parse(raw)
        return self._check(raw, str(raw))


@dataclass(frozen=True, kw_only=True)
class Decimal(Field):
    """A decimal amount (e.g. 收费金额 in 万元) with at most ``places`` decimals."""

    kind: ClassVar[str] = "decimal"
    places: int = 4
    minimum: _Decimal | int | None = 0

    def parse(self, text: str) -> _Decimal | None:
        s = _normalise_number(text)
        if not s:
            return None
        try:
            value = _Decimal(s)
        except InvalidOperation:
            raise FieldError(f"不是数字：{text.strip()}") from None
        if not value.is_finite():
            raise FieldError(f"不是数字：{text.strip()}")
        if -value.as_tuple().exponent > self.places:  # type: ignore[operator]
            raise FieldError(f"最多保留{self.places}位小数：{text.strip()}")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(f"不能为负数：{text.strip()}")
        return value

    def load(self, raw: Any) -> _Decimal | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise FieldError(f"应为数字，文件中是 {raw!r}")
        return self.parse(str(raw))

    def dump(self, value: Any) -> Any:
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else float(value)

    def format(self, value: Any) -> str:
        return "" if value is None else format(value, "f")


@dataclass(frozen=True, kw_only=True)
class Line(Field):
    """One line of text (a name, a heading, a telephone number)."""

    kind: ClassVar[str] = "line"
    min_length: int | None = None  # characters, blanks not counted: a 情况说明 of a few words is no account
    max_length: int | None = None
    pattern: str | None = None  # a regular expression the whole value must match
    pattern_hint: str = ""  # what to say when it does not, e.g. "形如 瓯政办〔2019〕2号"

    def _check_length(self, s: str) -> None:
        if self.min_length is not None:
            written = len("".join(s.split()))
            if written < self.min_length:
                raise FieldError(f"至少要写{self.min_length}个字（现在{written}个）")
        if self.max_length is not None and len(s) > self.max_length:
            raise FieldError(f"不能超过{self.max_length}个字（现在{len(s)}个）")

    def parse(self, text: str) -> str | None:
        s = clean_text(text).strip()
        if not s:
            return None
        self._check_length(s)
        if self.pattern and not re.fullmatch(self.pattern, s):
            raise FieldError(f"格式不对：{s}" + (f"（应{self.pattern_hint}）" if self.pattern_hint else ""))
        return s

    def load(self, raw: Any) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise FieldError(f"应为文字，文件中是 {raw!r}")
        return self.parse(raw)

    def as_typed(self, raw: Any) -> str | None:
        if not isinstance(raw, str):
            return None
        return clean_text(raw, multiline=self.kind == "text").strip() or None


@dataclass(frozen=True, kw_only=True)
class Text(Line):
    """Multi-line prose; each line is one paragraph of the printed document."""

    kind: ClassVar[str] = "text"

    def parse(self, text: str) -> str | None:
        lines = [ln.strip(" \u3000") for ln in clean_text(text, multiline=True).split("\n")]
        s = "\n".join(ln for ln in lines if ln)
        if not s:
            return None
        self._check_length(s)
        return s


_DATE_FORMS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


@dataclass(frozen=True, kw_only=True)
class Date(Field):
    """A calendar date. Accepts 2019-01-08, 2019/1/8, 2019.1.8, 2019年1月8日, 20190108;
    stored as a TOML date; printed as 2019年1月8日. With ``within_year`` a date outside the
    report's year (1月1日 to 12月31日 of ``[report] year``) is an error (V-FIELD): the date
    of something done during the year reported on."""

    kind: ClassVar[str] = "date"
    within_year: bool = False

    def parse(self, text: str) -> _dt.date | None:
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        if not s:
            return None
        for form in _DATE_FORMS:
            m = form.fullmatch(s)
            if m:
                y, mo, d = (int(g) for g in m.groups())
                try:
                    return _dt.date(y, mo, d)
                except ValueError:
                    raise FieldError(f"没有这一天：{text.strip()}") from None
        raise FieldError(f"日期格式不对：{text.strip()}（应如 2019-01-08 或 2019年1月8日）")

    def load(self, raw: Any) -> _dt.date | None:
        if raw is None:
            return None
        if isinstance(raw, _dt.datetime):
            return raw.date()
        if isinstance(raw, _dt.date):
            return raw
        if isinstance(raw, str):
            return self.parse(raw)
        raise FieldError(f"应为日期，文件中是 {raw!r}")

    def format(self, value: Any) -> str:
        return "" if value is None else value.isoformat()

    def as_typed(self, raw: Any) -> str | None:
        return clean_text(raw).strip() or None if isinstance(raw, str) else None


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    """One of a fixed list of ``options``: ``((value, label), ...)``."""

    kind: ClassVar[str] = "choice"
    options: tuple[tuple[str, str], ...] = ()

    def parse(self, text: str) -> str | None:
        s = text.strip()
        if not s:
            return None
        for value, label in self.options:
            if s in (value, label):
                return value
        choices = "、".join(label for _, label in self.options)
        raise FieldError(f"只能选：{choices}（现在是 {s}）")

    def load(self, raw: Any) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise FieldError(f"应为文字，文件中是 {raw!r}")
        return self.parse(raw)

    def as_typed(self, raw: Any) -> str | None:
        return clean_text(raw).strip() or None if isinstance(raw, str) else None

    def label_of(self, value: str | None) -> str:
        return dict(self.options).get(value or "", value or "")


@dataclass(frozen=True)
class Total:
    """The 合计 row under a :class:`Records` list: each of ``columns`` (keys of the list's
    number columns; none named: every :class:`Integer` and :class:`Decimal` column) summed over
    the records. Computed as a :class:`Grid`'s 合计 rows are (empty while a record's figure is
    empty; 0 for no records), shown under the list, never typed or stored; templates read it
    as ``totals.<list key>.<column key>``, code as ``field.totals(rows)``."""

    columns: tuple[str, ...] = ()
    label: str = "合计"


@dataclass(frozen=True, kw_only=True)
class Records(Field):
    """A repeating list of records, e.g. the category breakdown (类别, 条数).

    ``columns`` are scalar fields; the stored value is a list of dicts keyed by column key.
    ``total`` (a :class:`Total`) adds a computed 合计 row.
    """

    kind: ClassVar[str] = "records"
    columns: tuple[Field, ...] = ()
    min_rows: int = 0
    max_rows: int | None = None
    total: Total | None = None

    def __post_init__(self) -> None:
        # Refused where it is declared: a total of a text column would be a silent 0.
        if self.total is not None:
            numbers = [c.key for c in self.columns if c.kind in ("integer", "decimal")]
            wrong = [k for k in self.total.columns if k not in numbers]
            if wrong or not numbers:
                raise ValueError(f"记录列表 {self.key} 的合计只能加数字列（Integer、Decimal）："
                                 + (f"{'、'.join(wrong)} 不是；" if wrong else "")
                                 + (f"它的数字列是 {'、'.join(numbers)}" if numbers else "它没有数字列"))

    @property
    def scalar(self) -> bool:
        return False

    @property
    def total_columns(self) -> tuple[Field, ...]:
        """The columns the 合计 row adds up, in column order (none without ``total``)."""
        if self.total is None:
            return ()
        keys = self.total.columns or tuple(c.key for c in self.columns if c.kind in ("integer", "decimal"))
        return tuple(c for c in self.columns if c.key in keys)

    def totals(self, rows: Any) -> dict[str, Any]:
        """The 合计 row of ``rows`` (the list's loaded value): ``{column key: sum}``."""
        rows = [r for r in rows or () if isinstance(r, dict)]
        return {c.key: _total([r.get(c.key) for r in rows]) for c in self.total_columns}

    def load(self, raw: Any) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise FieldError(f"应为记录列表（[[...]]），文件中是 {type(raw).__name__}")
        rows = []
        for i, item in enumerate(raw, start=1):
            if not isinstance(item, dict):
                raise FieldError(f"第{i}条记录应为表，文件中是 {item!r}")
            row = {}
            for col in self.columns:
                try:
                    row[col.key] = col.load(item.get(col.key))
                except FieldError as e:
                    raise FieldError(f"第{i}条「{col.label}」：{e}") from None
            rows.append(row)
        return rows

    def as_typed(self, raw: Any) -> list[dict[str, Any]] | None:
        """Every record, each column loaded or as typed (:meth:`Field.as_typed`): one title
        too long must not drop the whole list from the printed report."""
        if not isinstance(raw, list):
            return None
        rows = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            row = {}
            for col in self.columns:
                try:
                    row[col.key] = col.load(item.get(col.key))
                except FieldError:
                    row[col.key] = col.as_typed(item.get(col.key))
            rows.append(row)
        return rows

    def dump(self, value: Any) -> Any:
        out = []
        for row in value or []:
            out.append({c.key: c.dump(row.get(c.key)) for c in self.columns if row.get(c.key) is not None})
        return out

    def empty(self) -> list:
        return []

    def new_row(self) -> dict[str, Any]:
        return {c.key: c.empty() for c in self.columns}


@dataclass(frozen=True)
class GridRow:
    """A row of a :class:`Grid`. With ``sum_of`` the row is computed as the sum of those
    rows (a 合计 row) and is never typed. ``groups`` are the headings of the label cells
    that span this row in print, outermost first (``("三、本年度办理结果", "（三）不予公开")``);
    the label may repeat the last one (``"（三）不予公开1.属于国家秘密"``). Only how the row
    is named on screen depends on them."""

    key: str
    label: str
    sum_of: tuple[str, ...] = ()
    indent: int = 0  # 0 for a main row, 1 for a 其中 row (only affects how the label is shown)
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class GridColumn:
    """A column of a :class:`Grid`; ``sum_of`` makes it a computed 总计 column."""

    key: str
    label: str
    sum_of: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Grid(Field):
    """A fixed table of cells (rows x columns), every independent cell of type ``cell``.

    Stored as ``{row_key: {col_key: value}}``; rows or columns with ``sum_of`` are computed
    and never stored. Address a cell as ``"<key>.<row>.<col>"``.
    """

    kind: ClassVar[str] = "grid"
    rows: tuple[GridRow, ...] = ()
    columns: tuple[GridColumn, ...] = ()
    cell: Field = field(default_factory=lambda: Integer(key="cell", label=""))

    @property
    def scalar(self) -> bool:
        return False

    def is_input(self, row: str, col: str) -> bool:
        r = next(r for r in self.rows if r.key == row)
        c = next(c for c in self.columns if c.key == col)
        return not r.sum_of and not c.sum_of

    def input_cells(self) -> list[tuple[GridRow, GridColumn]]:
        """The cells that are typed (neither in a 合计 row nor in a 合计 column), row by row."""
        return [(r, c) for r, columns in self.input_rows for c in columns]

    @cached_property
    def input_rows(self) -> tuple[tuple[GridRow, tuple[GridColumn, ...]], ...]:
        """The typed cells grouped by row: ``((row, (column, …)), …)``."""
        columns = tuple(c for c in self.columns if not c.sum_of)
        return tuple((r, columns) for r in self.rows if not r.sum_of)

    def load(self, raw: Any) -> dict[str, dict[str, Any]]:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise FieldError(f"应为表，文件中是 {type(raw).__name__}")
        out: dict[str, dict[str, Any]] = {}
        load = self.cell.load
        for r, columns in self.input_rows:
            raw_row = raw.get(r.key) or {}
            if not isinstance(raw_row, dict):
                raise FieldError(f"「{r.label}」一行应为表，文件中是 {raw_row!r}")
            line = out[r.key] = {}
            for c in columns:
                try:
                    line[c.key] = load(raw_row.get(c.key))
                except FieldError as e:
                    raise FieldError(f"「{r.label}」×「{c.label}」：{e}") from None
        return out

    def dump(self, value: Any) -> Any:
        out: dict[str, dict[str, Any]] = {}
        for r in self.rows:
            if r.sum_of:
                continue
            row = {c.key: self.cell.dump(v) for c in self.columns
                   if not c.sum_of and (v := (value or {}).get(r.key, {}).get(c.key)) is not None}
            if row:
                out[r.key] = row
        return out

    def empty(self) -> dict:
        return {}

    @cached_property
    def _row_of(self) -> dict[str, GridRow]:
        return {r.key: r for r in self.rows}

    @cached_property
    def _column_of(self) -> dict[str, GridColumn]:
        return {c.key: c for c in self.columns}

    def value_at(self, value: dict, row: str, col: str) -> Any:
        """The value of any cell, computing 合计 rows and columns; ``None`` if a cell it
        depends on is empty."""
        return self._at(value or {}, self._row_of[row], self._column_of[col])

    def _at(self, value: Any, r: GridRow, c: GridColumn) -> Any:
        if r.sum_of:
            return _total([self._at(value, self._row_of[k], c) for k in r.sum_of])
        if c.sum_of:
            return _total([self._at(value, r, self._column_of[k]) for k in c.sum_of])
        return value.get(r.key, {}).get(c.key)

    @cached_property
    def _evaluation_order(self) -> tuple[tuple[GridRow, ...], tuple[GridColumn, ...]]:
        """Rows and columns ordered so that a 合计 comes after everything it adds up."""

        def order(items: tuple, by_key: dict) -> tuple:
            done: dict[str, Any] = {}

            def visit(item: Any, path: tuple[str, ...]) -> None:
                if item.key in done:
                    return
                if item.key in path:
                    raise ValueError(f"grid {self.key}: {item.key} adds itself up ({' -> '.join(path + (item.key,))})")
                for k in item.sum_of:
                    visit(by_key[k], path + (item.key,))
                done[item.key] = item

            for item in items:
                visit(item, ())
            return tuple(done.values())

        return order(self.rows, self._row_of), order(self.columns, self._column_of)

    def full(self, value: dict) -> dict[str, dict[str, Any]]:
        """Every cell, computed ones included (each computed once, in dependency order)."""
        value = value or {}
        rows, columns = self._evaluation_order
        done: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r.sum_of:
                parts = [done[k] for k in r.sum_of]
                done[r.key] = {c.key: _total([p[c.key] for p in parts]) for c in self.columns}
            else:
                stored = value.get(r.key, {})
                line: dict[str, Any] = {}
                for c in columns:
                    line[c.key] = _total([line[k] for k in c.sum_of]) if c.sum_of else stored.get(c.key)
                done[r.key] = line
        return {r.key: {c.key: done[r.key][c.key] for c in self.columns} for r in self.rows}


def _total(parts: list) -> Any:
    return None if any(p is None for p in parts) else sum(parts)


@dataclass(frozen=True, kw_only=True)
class Computed(Field):
    """A value computed from the report and shown read-only (totals, percentages, the 附表).

    ``compute`` returns a number, a string, or a :class:`plugins.document.Table`; it is never
    stored in the file. What it receives goes by its parameters' names, as with hooks:
    ``compute(values)`` gets its own section's typed values (no section id to write),
    ``compute(values, report)`` both; any other one-parameter function (``compute(report)``,
    as before) gets the read-only report view.
    """

    kind: ClassVar[str] = "computed"
    compute: Callable[..., Any] = lambda report: None
    required: bool = False

    def parse(self, text: str) -> Any:
        raise FieldError("这是计算得出的值，不能填写")

    @cached_property
    def _parameters(self) -> frozenset[str]:
        try:
            return frozenset(inspect.signature(self.compute).parameters)
        except (TypeError, ValueError):  # a callable without a signature: called as before
            return frozenset()

    def evaluate(self, report: Any, section_id: str) -> Any:
        """The value, for the field of section ``section_id`` in ``report`` (a view)."""
        if "values" not in self._parameters:
            return self.compute(report)
        arguments = {"values": report.values(section_id)}
        if "report" in self._parameters:
            arguments["report"] = report
        return self.compute(**arguments)
