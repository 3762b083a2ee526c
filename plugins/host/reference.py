"""The reference of what plugins declare, generated from the loaded declarations: every
format, its sections in report order, each field (key, label, type, unit, what it accepts) and
each template's name and file. ``nianbao fields`` prints it; ``docs/reference.md`` is its
Markdown for the built-in formats, kept equal to it by a test."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..fields import Choice, Field, Grid, Records
from .manager import PluginHost
from ..engine.meta import META_FIELDS
from ..engine.render import template_folders, template_overrides
from ..formatting import cn_numeral

__all__ = ["field_entry", "reference", "reference_markdown", "reference_text"]

#: The regeneration command the Markdown names at its top.
REGENERATE = "nianbao --safe-mode fields --markdown > docs/reference.md"


def _shown(path: Path, root: Path | None) -> str:
    """A path relative to ``root`` when it lies inside it (docs name repo-relative paths)."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def field_entry(f: Field) -> dict[str, Any]:
    """One field declaration as plain data: what ``nianbao fields --json`` gives."""
    out: dict[str, Any] = {"key": f.key, "label": f.label, "type": type(f).__name__, "kind": f.kind,
                           "unit": f.unit, "required": f.required, "expected": f.expected, "help": f.help}
    for attr in ("minimum", "places", "min_length", "max_length", "pattern", "pattern_hint",
                 "min_rows", "max_rows", "within_year"):
        value = getattr(f, attr, None)
        if value not in (None, "", False) and not (attr == "places" and f.kind != "decimal"):
            out[attr] = value if isinstance(value, (int, str, bool)) else str(value)
    if isinstance(f, Choice):
        out["options"] = [{"value": v, "label": label} for v, label in f.options]
    if isinstance(f, Records):
        out["columns"] = [field_entry(c) for c in f.columns]
        if f.total is not None:  # the columns it adds up, also when it names none (every number column)
            out["total"] = {"label": f.total.label, "columns": [c.key for c in f.total_columns]}
    if isinstance(f, Grid):
        out["cell"] = type(f.cell).__name__
        out["rows"] = [{"key": r.key, "label": r.label, "sum_of": list(r.sum_of)} for r in f.rows]
        out["columns"] = [{"key": c.key, "label": c.label, "sum_of": list(c.sum_of)} for c in f.columns]
    return out


def reference(host: PluginHost, format_ids: Iterable[str] | None = None, root: Path | None = None) -> dict[str, Any]:
    """Every format (or those named), its metadata fields and its sections in report order,
    with their fields and templates; paths relative to ``root`` where they lie inside it."""
    folders = template_folders(host)
    overrides = {o.name: o.path for o in template_overrides(host) if o.replaces is not None}

    def template(namespace: str, file: str) -> dict[str, Any]:
        name = f"{namespace}/{file}"
        override = overrides.get(name)
        return {"name": name, "path": _shown(folders[namespace] / file, root),
                "override": _shown(override, root) if override else None}

    formats = []
    wanted = list(host.formats) if format_ids is None else list(format_ids)
    for fid in wanted:
        fmt = host.formats[fid]
        sections = []
        for position, s in enumerate(host.sections_for(fid), start=1):
            sections.append({
                "id": s.id, "heading": s.heading, "numeral": cn_numeral(position), "plugin": host.plugin_of(s),
                "replaces": s.replaces, "template": template(s.id, s.template),
                "fields": [field_entry(f) for f in s.fields],
            })
        formats.append({
            "id": fmt.id, "name": fmt.name, "first_year": fmt.first_year, "last_year": fmt.last_year,
            "plugin": host.plugin_of(fmt), "document_template": template(fmt.id, fmt.document_template),
            "meta_fields": [field_entry(f) for f in META_FIELDS + tuple(fmt.meta_fields)],
            "sections": sections,
        })
    return {"formats": formats}


# -- text -------------------------------------------------------------------------------------
def _years(fmt: dict[str, Any]) -> str:
    return f"{fmt['first_year']}–{fmt['last_year']}年" if fmt["last_year"] else f"{fmt['first_year']}年起"


def _need(f: dict[str, Any]) -> str:
    if f["kind"] == "computed":
        return "计算"
    return "必填" if f["required"] else "应填" if f["expected"] else "可不填"


def _accepts(f: dict[str, Any]) -> str:
    """What the field accepts beyond its type, in words (the last column)."""
    out = []
    if f.get("minimum") not in (None, 0):
        out.append(f"不小于{f['minimum']}")
    if "places" in f:
        out.append(f"最多{f['places']}位小数")
    if "min_length" in f:
        out.append(f"至少{f['min_length']}字")
    if "max_length" in f:
        out.append(f"最多{f['max_length']}字")
    if "pattern_hint" in f:
        out.append(f["pattern_hint"])
    elif "pattern" in f:
        out.append(f"格式 {f['pattern']}")
    if f.get("within_year"):
        out.append("在报告年度内")
    if "min_rows" in f:
        out.append(f"至少{f['min_rows']}条")
    if "max_rows" in f:
        out.append(f"最多{f['max_rows']}条")
    if "options" in f:
        out.append("选项：" + "、".join(f"{o['value']}（{o['label']}）" for o in f["options"]))
    if "total" in f:
        out.append(f"合计行“{f['total']['label']}”：" + "、".join(f["total"]["columns"]))
    return "；".join(out)


def _sums(item: dict[str, Any]) -> str:
    return f" = {' + '.join(item['sum_of'])}" if item["sum_of"] else ""


def reference_text(ref: dict[str, Any]) -> str:
    """The reference for a terminal: one line a field, indented under its section."""
    lines: list[str] = []

    def field_lines(f: dict[str, Any], indent: str, prefix: str = "") -> None:
        unit = f" ({f['unit']})" if f["unit"] else ""
        extra = _accepts(f)
        lines.append(f"{indent}{prefix}{f['key']}  {f['label']}{unit}  {f['type']}  {_need(f)}" + (f"  {extra}" if extra else ""))
        for c in f.get("columns", ()) if f["kind"] == "records" else ():
            field_lines(c, indent + "  ", f"{f['key']}[n].")
        if f["kind"] == "grid":
            lines.append(f"{indent}  格：{f['key']}.<行>.<列>（{f['cell']}）")
            lines.append(f"{indent}  行：" + "、".join(f"{r['key']} {r['label']}{_sums(r)}" for r in f["rows"]))
            lines.append(f"{indent}  列：" + "、".join(f"{c['key']} {c['label']}{_sums(c)}" for c in f["columns"]))

    def template_line(t: dict[str, Any], indent: str, what: str) -> None:
        lines.append(f"{indent}{what}：{t['name']}  {t['path']}")
        if t["override"]:
            lines.append(f"{indent}  已被覆盖：{t['override']}")

    for fmt in ref["formats"]:
        lines.append(f"{fmt['id']}  {fmt['name']}  {_years(fmt)}  插件 {fmt['plugin']}")
        template_line(fmt["document_template"], "  ", "文档模板")
        lines.append("")
        lines.append("  [report]  文档信息")
        for f in fmt["meta_fields"]:
            field_lines(f, "    ")
        for s in fmt["sections"]:
            lines.append("")
            replaces = f"（替换 {s['replaces']}）" if s["replaces"] else ""
            lines.append(f"  [{s['id']}]  {s['numeral']}、{s['heading']}  插件 {s['plugin']}{replaces}")
            template_line(s["template"], "    ", "模板")
            for f in s["fields"]:
                field_lines(f, "    ")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# -- Markdown ------------------------------------------------------------------------------
def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def reference_markdown(ref: dict[str, Any]) -> str:
    """The reference as ``docs/reference.md``: a table of fields per section."""
    out = [
        "# 字段与模板参考",
        "",
        f"由程序从各部分的声明生成，请勿手改：`{REGENERATE}`（在仓库根目录运行）。",
        "测试检查本文件与程序一致。装了县里的插件后，`nianbao fields [格式] [--json]` 同样列出它们的部分、字段和模板。",
        "",
        "字段地址（`Issue.field`、界面定位）：标量字段是键（`replies`），记录列表中的一格是 `键[序号].列键`，"
        "表格中的一格是 `键.行键.列键`；模板中是 `data.键`、`data.键.行键.列键`（见 [plugins.md](plugins.md) 3.3、3.6）。"
        "覆盖模板的路径是 `<override_folder>/<模板名>`（见 [plugins.md](plugins.md) 6.5）。",
        "",
    ]
    header = ["| 键 | 名称 | 类型 | 单位 | 填写 | 说明 |", "|---|---|---|---|---|---|"]

    def rows(fields: list[dict[str, Any]]) -> list[str]:
        lines = []
        grids = []
        for f in fields:
            lines.append(f"| `{f['key']}` | {_cell(f['label'])} | `{f['type']}` | {_cell(f['unit'])} | {_need(f)} | {_cell(_accepts(f))} |")
            for c in f.get("columns", ()) if f["kind"] == "records" else ():
                lines.append(f"| `{f['key']}[n].{c['key']}` | {_cell(c['label'])} | `{c['type']}` | {_cell(c['unit'])} | {_need(c)} | {_cell(_accepts(c))} |")
            if f["kind"] == "grid":
                grids.append(f)
        for g in grids:
            lines += ["", f"表格 `{g['key']}`（格的类型 `{g['cell']}`，地址 `{g['key']}.<行>.<列>`；带“=”的是合计，自动计算，不存储）：", ""]
            lines.append("- 行：" + "；".join(f"`{r['key']}` {_cell(r['label'])}{_sums(r)}" for r in g["rows"]))
            lines.append("- 列：" + "；".join(f"`{c['key']}` {_cell(c['label'])}{_sums(c)}" for c in g["columns"]))
        return lines

    for fmt in ref["formats"]:
        doc = fmt["document_template"]
        out += [f"## `{fmt['id']}`：{_cell(fmt['name'])}", "",
                f"适用年度 {_years(fmt)}；插件 `{fmt['plugin']}`；文档模板 `{doc['name']}`（`{doc['path']}`）。", "",
                "| 部分 | id | 模板 | 文件 |", "|---|---|---|---|"]
        out += [f"| {s['numeral']}、{_cell(s['heading'])} | `{s['id']}` | `{s['template']['name']}` | `{s['template']['path']}` |"
                for s in fmt["sections"]]
        out += ["", "### 文档信息 `[report]`", "", *header, *rows(fmt["meta_fields"]), ""]
        for s in fmt["sections"]:
            out += [f"### {s['numeral']}、{_cell(s['heading'])} `[{s['id']}]`", "",
                    f"插件 `{s['plugin']}`；模板 `{s['template']['name']}`（`{s['template']['path']}`）。", "",
                    *header, *rows(s["fields"]), ""]
    return "\n".join(out).rstrip("\n") + "\n"
