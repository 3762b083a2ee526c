"""The site configuration, ``config.toml`` (every key is documented in the repository's copy)."""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import InputFileError, closest_hint, toml_error
from .tomlread import READING_ERRORS, loads as toml_loads

__all__ = ["Config", "Unit", "load_config", "find_config", "UNIT_LEVELS"]

#: Unit levels a report can be written for (key -> label); deadlines are keyed the same way.
UNIT_LEVELS = (
    ("government", "县级以上人民政府（本级政府报告）"),
    ("department", "政府工作部门"),
    ("township", "乡镇人民政府、街道办事处"),
)

DEFAULT_DEADLINES = {"department": "01-31", "government": "03-31", "township": "01-31", "before_2019": "03-31"}


@dataclass(frozen=True)
class Unit:
    """One reporting unit of the county (``[[units]]`` in config.toml).

    ``file``: where its report is kept, when config.toml names it (absolute, resolved
    against the config file's folder); otherwise it is looked for in ``[county] folder``
    (see :mod:`plugins.county.status`)."""

    name: str
    level: str
    file: Path | None = None
    #: Unix users, or ``@group`` names, who act for the unit (submit, answer remarks);
    #: empty: whoever Unix permissions let write its report
    accounts: tuple[str, ...] = ()


#: Keys a ``[[units]]`` entry and the ``[county]`` table may have (anything else is a typo).
UNIT_KEYS = ("name", "level", "file", "accounts")
COUNTY_KEYS = ("folder",)
REVIEW_KEYS = ("office",)
#: ``[serve]`` (``nianbao serve``): the address listened on, and the passwords of the offices
#: or units that may log in (name -> hash from ``nianbao serve --hash-password``)
SERVE_KEYS = ("host", "port", "passwords")

#: Every table of config.toml and the keys it may have; anything else is a typo, refused with
#: the closest known key. A table added to config.toml is added here (and to docs/plugins.md
#: section 8). ``[plugins.<name>]`` tables are the plugins' own settings
#: (:meth:`Config.plugin_settings`): their keys are the plugin's business, never checked here.
CONFIG_TABLES: dict[str, tuple[str, ...]] = {
    "site": ("region", "unit", "unit_level", "year", "format", "language", "report"),
    "plugins": ("folders", "disabled", "safe_mode", "time_limit", "memory_limit"),
    "sections": ("order", "disabled"),
    "templates": ("override_folder",),
    "deadlines": tuple(DEFAULT_DEADLINES),
    "county": COUNTY_KEYS,
    "units": UNIT_KEYS,  # (each [[units]] entry)
    "review": REVIEW_KEYS,
    "serve": SERVE_KEYS,
}
#: Keys at the top of the file that are not tables: ``debug = true`` prints a plugin's
#: traceback when its check fails.
CONFIG_TOP_KEYS = ("debug",)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    region: str = ""
    unit: str = ""
    unit_level: str = "government"
    year: int | None = None
    format: str = ""
    language: str = "zh"
    report: Path | None = None
    plugin_folders: tuple[Path, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    safe_mode: bool = False
    #: headless commands: seconds one plugin call may run, MB of address space (0: no limit)
    plugin_time_limit: float = 10.0
    plugin_memory_limit: int = 2048
    section_order: tuple[str, ...] = ()
    disabled_sections: tuple[str, ...] = ()
    template_folder: Path | None = None
    deadlines: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    county_folder: Path | None = None
    units: tuple[Unit, ...] = ()
    #: ``[review] office``: Unix users or ``@group`` names of the county office (return, approve)
    office: tuple[str, ...] = ()
    #: ``[plugins.<name>]``: each plugin's own settings table, by plugin name
    plugin_tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    serve_host: str = "127.0.0.1"
    serve_port: int = 8000
    serve_passwords: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def plugin_settings(self, name: str) -> Mapping[str, Any]:
        """The plugin ``name``'s own settings: config.toml's ``[plugins.<name>]`` table
        (read-only; empty when the file has none). Its keys and values are the plugin's to
        check (raise with a message naming the key: the plugin is then disabled with it)."""
        return MappingProxyType(self.plugin_tables.get(name, {}))

    def deadline(self, year: int, unit_level: str | None) -> _dt.date:
        """Publication deadline of a year-``year`` report (domain §0): before 2019 every unit
        published by 3月31日; since the 2019 《条例》 departments by 1月31日 and governments by
        3月31日. The dates are data in config.toml ``[deadlines]``; the host owns them, so the
        document rules of a section and the county's ``nianbao status`` use this one rule."""
        key = "before_2019" if year <= 2018 else (unit_level or "government")
        month, day = (int(x) for x in self.deadlines.get(key, "03-31").split("-"))
        return _dt.date(year + 1, month, day)

    def replace(self, **changes: Any) -> "Config":
        from dataclasses import replace

        return replace(self, **changes)


def find_config(explicit: str | os.PathLike | None = None) -> Path | None:
    """``--config``, then ``$NIANBAO_CONFIG``, then ``./config.toml``."""
    for candidate in (explicit, os.environ.get("NIANBAO_CONFIG"), "config.toml"):
        if candidate:
            p = Path(candidate)
            if p.is_file() or candidate is explicit:
                return p
    return None


def _expect(path: Path, table: str, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind is not bool:
        raise InputFileError(path, f"[{table}] {key} 应为{what}，现在是 {value!r}")
    if not isinstance(value, kind):
        raise InputFileError(path, f"[{table}] {key} 应为{what}，现在是 {value!r}")
    return value


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the configuration; a missing file gives the defaults, a broken one an
    :class:`InputFileError` naming the file, line and column or the key."""
    p = find_config(path)
    if p is None:
        return Config()
    try:
        raw = toml_loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(p, "配置文件不存在") from None
    except UnicodeDecodeError as e:
        raise InputFileError(p, f"不是 UTF-8 编码的文本（第 {e.start} 字节）") from None
    except READING_ERRORS as e:
        raise toml_error(p, e) from None
    base = p.parent
    _refuse_unknown_keys(p, raw)

    def table(name: str) -> dict:
        t = raw.get(name, {})
        if not isinstance(t, dict):
            raise InputFileError(p, f"[{name}] 应为表")
        return t

    def strings(tname: str, key: str, t: dict) -> tuple[str, ...]:
        v = _expect(p, tname, key, t.get(key, []), list, "字符串列表")
        for item in v:
            _expect(p, tname, key, item, str, "字符串列表")
        return tuple(v)

    site, plugins, sections, templates = table("site"), table("plugins"), table("sections"), table("templates")
    deadlines = dict(DEFAULT_DEADLINES)
    for k, v in table("deadlines").items():
        _expect(p, "deadlines", k, v, str, "形如 \"01-31\" 的月-日")
        if not _month_day(v):
            raise InputFileError(p, f"[deadlines] {k} 应为形如 \"01-31\" 的月-日，现在是 {v!r}")
        deadlines[k] = v
    county = table("county")
    cfolder = county.get("folder")
    county_folder = (base / _expect(p, "county", "folder", cfolder, str, "路径")) if cfolder is not None else None
    units = _units(p, base, raw.get("units", []), county_folder)
    review = table("review")
    office = _accounts(p, "[review] office", review.get("office", []))
    serve = table("serve")
    serve_host = _expect(p, "serve", "host", serve.get("host", "127.0.0.1"), str, "地址（如 \"127.0.0.1\"）")
    serve_port = _expect(p, "serve", "port", serve.get("port", 8000), int, "端口号（1–65535）")
    if not 0 < serve_port < 65536:
        raise InputFileError(p, f"[serve] port 应为端口号（1–65535），现在是 {serve_port!r}")
    passwords = _expect(p, "serve", "passwords", serve.get("passwords", {}), dict, "表（单位名 = 密码的散列）")
    for name, value in passwords.items():
        _expect(p, "serve.passwords", name, value, str, "nianbao serve --hash-password 生成的散列")
    year = site.get("year")
    if year is not None:
        _expect(p, "site", "year", year, int, "年份（整数）")
    language = _expect(p, "site", "language", site.get("language", "zh"), str, "\"zh\" 或 \"en\"")
    if language not in ("zh", "en"):
        raise InputFileError(p, f"[site] language 只能是 \"zh\" 或 \"en\"，现在是 {language!r}")
    level = _expect(p, "site", "unit_level", site.get("unit_level", "government"), str, "单位层级")
    if level not in dict(UNIT_LEVELS):
        raise InputFileError(p, f"[site] unit_level 只能是 {', '.join(dict(UNIT_LEVELS))}，现在是 {level!r}")
    limits = {}
    for key, default in (("time_limit", 10.0), ("memory_limit", 2048)):
        value = _expect(p, "plugins", key, plugins.get(key, default), (int, float), "不小于 0 的数（0 表示不限）")
        if not value >= 0:  # (nan too)
            raise InputFileError(p, f"[plugins] {key} 应为不小于 0 的数（0 表示不限），现在是 {value!r}")
        limits[key] = value
    report = site.get("report")
    tfolder = templates.get("override_folder")
    return Config(
        path=p,
        region=_expect(p, "site", "region", site.get("region", ""), str, "字符串"),
        unit=_expect(p, "site", "unit", site.get("unit", ""), str, "字符串"),
        unit_level=level,
        year=year,
        format=_expect(p, "site", "format", site.get("format", ""), str, "格式 id"),
        language=language,
        report=(base / _expect(p, "site", "report", report, str, "路径")) if report else None,
        plugin_folders=tuple(base / f for f in strings("plugins", "folders", plugins)),
        disabled_plugins=strings("plugins", "disabled", plugins),
        safe_mode=_expect(p, "plugins", "safe_mode", plugins.get("safe_mode", False), bool, "true 或 false"),
        plugin_time_limit=float(limits["time_limit"]),
        plugin_memory_limit=int(limits["memory_limit"]),
        section_order=strings("sections", "order", sections),
        disabled_sections=strings("sections", "disabled", sections),
        template_folder=(base / _expect(p, "templates", "override_folder", tfolder, str, "路径")) if tfolder else None,
        deadlines=deadlines,
        county_folder=county_folder,
        units=units,
        office=office,
        plugin_tables={k: v for k, v in plugins.items() if isinstance(v, dict)},
        serve_host=serve_host,
        serve_port=serve_port,
        serve_passwords=dict(passwords),
        raw=raw,
    )


def _refuse_unknown_keys(p: Path, raw: dict[str, Any]) -> None:
    """A misspelt table or key of config.toml is refused with the file, line, table, key and
    the closest known key (read silently, it would leave a setting at its default)."""
    for name, value in raw.items():
        if name in CONFIG_TOP_KEYS:
            continue
        if name not in CONFIG_TABLES:
            tables = ", ".join(f"[{t}]" for t in CONFIG_TABLES)
            if isinstance(value, (dict, list)):
                message = f"没有 [{name}] 这个表{closest_hint(name, list(CONFIG_TABLES), '[{}]')}（可用的表：{tables}）"
            else:
                home = [f"[{t}]" for t, keys in CONFIG_TABLES.items() if name in keys]
                hint = (f"：{name} 是 {'、'.join(home)} 中的键，应写在表头 {home[0]} 的下面" if home
                        else closest_hint(name, CONFIG_TOP_KEYS))
                message = f"没有顶层的 {name} 这个键{hint}（顶层只能写 {', '.join(CONFIG_TOP_KEYS)} 和这些表：{tables}）"
            raise InputFileError(p, message, line=_line_of(p, None, name))
        entries = value if name == "units" and isinstance(value, list) else [value]
        for i, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                continue  # (the table's own reader says what it should be)
            for key, item in entry.items():
                if key in CONFIG_TABLES[name] or (name == "plugins" and isinstance(item, dict)):
                    continue  # (a table in [plugins] is a plugin's own: [plugins.<name>])
                known = CONFIG_TABLES[name]
                where = f"[[units]] 第{i}项" if name == "units" else f"[{name}]"
                raise InputFileError(p, f"{where} 没有 {key} 这个键{closest_hint(key, known)}（可用的键：{', '.join(known)}）",
                                     line=_line_of(p, name, key, i))


def _line_of(p: Path, table: str | None, key: str, nth: int = 1) -> int | None:
    """The line where ``key`` is written in ``table`` (the ``nth`` of an array of tables;
    ``None``: the top of the file, or a table's header), for the message; None when it is
    written in a way this does not follow (a dotted key, an inline table)."""
    current, seen = None, 0
    key_re = re.compile(r'\s*(?:"' + re.escape(key) + r'"|\'' + re.escape(key) + r"'|" + re.escape(key) + r")\s*=")
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        header = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            current = header.group(1).strip('"\' ')
            if current == table:
                seen += 1
            if table is None and current.split(".")[0] == key:
                return n
            continue
        if key_re.match(line) and (current == table and (seen == nth or table is None)):
            return n
    return None


def _month_day(text: str) -> bool:
    import re

    m = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if not m:
        return False
    try:
        _dt.date(2001, int(m.group(1)), int(m.group(2)))  # not a leap year: 02-29 is refused
    except ValueError:
        return False
    return True


def _units(p: Path, base: Path, raw: Any, county_folder: Path | None) -> tuple[Unit, ...]:
    """``[[units]]``: name (unique), level (one of UNIT_LEVELS), file (optional path)."""
    if not isinstance(raw, list):
        raise InputFileError(p, "units 应写成 [[units]] 表数组（每个单位一段 [[units]]），现在是 "
                                f"{type(raw).__name__}")
    levels = dict(UNIT_LEVELS)
    out: list[Unit] = []
    names: dict[str, int] = {}
    files: dict[Path, int] = {}
    for i, entry in enumerate(raw, start=1):
        where = f"[[units]] 第{i}项"
        if not isinstance(entry, dict):
            raise InputFileError(p, f"{where} 应为表（name、level、file），现在是 {entry!r}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputFileError(p, f"{where} name 应为单位全称（非空字符串），现在是 {name!r}")
        name = name.strip()
        where = f"[[units]] 第{i}项（{name}）"
        if name in names:
            raise InputFileError(p, f"{where} name 与第{names[name]}项重复")
        names[name] = i
        level = entry.get("level")
        if level not in levels:
            raise InputFileError(p, f"{where} level 只能是 {', '.join(levels)}，现在是 {level!r}")
        raw_file = entry.get("file")
        file = None
        if raw_file is not None:
            if not isinstance(raw_file, str) or not raw_file.strip():
                raise InputFileError(p, f"{where} file 应为路径（字符串），现在是 {raw_file!r}")
            file = base / raw_file
            key = file.resolve()
            if key in files:
                raise InputFileError(p, f"{where} file 与第{files[key]}项是同一个文件：{raw_file}")
            files[key] = i
        elif county_folder is None:
            raise InputFileError(p, f"{where} 没有 file，也没有 [county] folder：不知道到哪里找它的报告")
        out.append(Unit(name, level, file, _accounts(p, f"{where} accounts", entry.get("accounts", []))))
    return tuple(out)


def _accounts(p: Path, where: str, value: Any) -> tuple[str, ...]:
    """A list of Unix user names and ``@group`` names."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip().lstrip("@") for v in value):
        raise InputFileError(p, f"{where} 应为 Unix 用户名或 @组名 的列表，如 [\"zhangsan\", \"@jyj\"]，现在是 {value!r}")
    return tuple(v.strip() for v in value)
