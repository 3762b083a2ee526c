"""Generated sentences never print empty pieces (issue 10, item 6): a report made by
``nianbao new`` has no contact data, and the opening paragraph must then end
``请与某县人民政府联系。`` rather than ``联系（）。`` — in every exporter."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest

from plugins.engine.config import Config
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.store import load_report
from tui.cli import main

# An empty pair of brackets or quotes, or a doubled separator, left by a missing value.
EMPTY_PIECE = re.compile(r"（\s*）|\(\s*\)|“\s*”|《\s*》|，，|、、|，。")


@pytest.fixture(scope="module")
def host():
    return PluginHost(Config(), entry_points=False)


def _text(output: bytes | str) -> str:
    """The text of an export, Word and Excel files included (their XML, tags removed)."""
    if isinstance(output, str):
        return output
    with zipfile.ZipFile(io.BytesIO(output)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


@pytest.mark.parametrize("fmt,year", [("national-2021", "2024"), ("fujian-2018", "2018")])
def test_a_new_report_prints_no_empty_piece_in_any_exporter(host, tmp_path, capsys, fmt, year):
    path = tmp_path / "new.toml"
    assert main(["new", str(path), "--unit", "某县人民政府", "--year", year, "--level", "government",
                 "--format", fmt]) == 0
    capsys.readouterr()
    document = Renderer(host).render(load_report(path))
    opening = next(b.text for b in document.blocks if "如对本" in b.text)
    assert opening.endswith("请与某县人民政府联系。")
    assert host.exporters  # every exporter, binary ones too
    for exporter_id, exporter in host.exporters.items():
        text = _text(exporter.export(document))
        if "如对本" in text:  # (a spreadsheet holds the tables only)
            assert "某县人民政府联系。" in text, exporter_id
        assert not EMPTY_PIECE.search(text), (exporter_id, EMPTY_PIECE.search(text))
        # a figure not filled in yet is never printed as nothing (累计受理…申请件（条）), nor as none
        assert not re.search(r"(?<![0-9])件（条）", text), exporter_id
        assert "未收到政府信息公开申请" not in text, exporter_id


def test_the_contact_clause_lists_what_is_filled_in(host, tmp_path, capsys):
    path = tmp_path / "new.toml"
    main(["new", str(path), "--unit", "某县人民政府", "--year", "2024", "--level", "government"])
    capsys.readouterr()
    text = path.read_text(encoding="utf-8").replace("[report]\n", '[report]\nphone = "0599-1234567"\n', 1)
    path.write_text(text, encoding="utf-8")
    document = Renderer(host).render(load_report(path))
    opening = next(b.text for b in document.blocks if "如对本" in b.text)
    assert opening.endswith("请与某县人民政府联系（电话：0599-1234567）。")
