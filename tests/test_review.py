"""Review between the county office and its units (plugins.engine.review, `nianbao submit/remark/
return/approve/reopen/review`): the full round, who may do what, and — when running as root —
the same with two real Unix users."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from cli_helpers import isolated, run  # noqa: F401 - isolated is an autouse fixture
from plugins.engine.journal import Journal, ReportFrozen, close_all, journal_path
from plugins.engine.store import load_report, save_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"
UNIT = "建瓯市人民政府办公室"  # the example's [report] unit


def fix_or9(path: Path) -> None:
    """The example's one error (OR9: categories add up to 2535, the total says 2589)."""
    r = load_report(path)
    counts = r.data["fj"]["proactive"]["counts"]
    counts["total"]["year"] = counts["website"]["year"] = 2535
    save_report(r)


def write_config(folder: Path, office: list[str], accounts: list[str]) -> Path:
    q = lambda xs: "[" + ", ".join(f'"{x}"' for x in xs) + "]"  # noqa: E731
    cfg = folder / "config.toml"
    cfg.write_text(f'[review]\noffice = {q(office)}\n\n[[units]]\nname = "{UNIT}"\nlevel = "government"\n'
                   f'file = "report.toml"\naccounts = {q(accounts)}\n', encoding="utf-8")
    return cfg


def me() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture
def setup(tmp_path, monkeypatch):
    report = tmp_path / "report.toml"
    report.write_bytes(EXAMPLE.read_bytes())
    monkeypatch.setenv("NIANBAO_CONFIG", str(write_config(tmp_path, [me()], [me()])))
    return report


def test_full_round_on_the_command_line(setup, capsys):
    f = str(setup)
    code, out, err = run(capsys, "submit", f)
    assert code == 2 and "1 个错误" in err and "OR9" not in err and "主要类别" in err  # refused, with the list
    fix_or9(setup)
    code, out, err = run(capsys, "submit", f)
    assert code == 0, err
    code, out, err = run(capsys, "remark", f, "--at", "fj.overview:intro", "引言请写明年度。")
    assert code == 0 and "第" in out
    code, out, err = run(capsys, "return", f, "--remark", "fj.proactive:counts.total.year", "请核对总数。", "--json")
    assert code == 0, err
    state = json.loads(out)
    assert state["state"] == "returned" and state["open_remarks"] == 2
    remarks = state["remarks"]
    assert [(r["section"], r["path"]) for r in remarks] == [("fj.overview", "intro"),
                                                            ("fj.proactive", "counts.total.year")]
    # the unit fixes, answers one, resolves the other, resubmits
    r = load_report(setup)
    r.data["fj"]["overview"]["intro"] = "2018年，我市……"
    save_report(r)
    code, out, err = run(capsys, "submit", f)
    assert code == 2 and "没有答复或解决" in err
    assert run(capsys, "remark", f, "--answer", str(remarks[0]["id"]), "已改。")[0] == 0
    assert run(capsys, "remark", f, "--resolve", str(remarks[1]["id"]))[0] == 0
    assert run(capsys, "submit", f)[0] == 0
    code, out, err = run(capsys, "approve", f)
    assert code == 0, err
    # approved: nobody changes it through nianbao
    r.data["fj"]["overview"]["intro"] = "通过以后又改"
    with pytest.raises(ReportFrozen, match="已通过"):
        save_report(r)
    code, out, err = run(capsys, "restore", f, "--to", "1")
    assert code == 2 and "已通过" in err
    code, out, err = run(capsys, "review", f, "--json")
    data = json.loads(out)
    assert data["state"] == "approved" and data["open_remarks"] == 1  # answered, not resolved
    code, out, err = run(capsys, "history", f)
    for word in ("提交", "意见", "退回", "答复", "解决", "通过"):
        assert word in out
    assert run(capsys, "reopen", f)[0] == 0
    save_report(r)  # open again


def test_state_rules(setup, capsys):
    f = str(setup)
    code, _, err = run(capsys, "approve", f)
    assert code == 2 and "填报中" in err and "已提交" in err
    fix_or9(setup)
    assert run(capsys, "submit", f)[0] == 0
    code, _, err = run(capsys, "return", f)
    assert code == 2 and "附审核意见" in err
    code, _, err = run(capsys, "remark", f, "--at", "fj.nosuch", "x")
    assert code == 2 and "没有“fj.nosuch”这个部分" in err
    code, _, err = run(capsys, "remark", f, "--at", "fj.overview:nosuch", "x")
    assert code == 2 and "没有“nosuch”这一项" in err
    assert run(capsys, "submit", f, "--withdraw")[0] == 0
    r = load_report(setup)
    r.data["fj"]["overview"]["intro"] = "撤回后可以改"
    save_report(r)


def test_roles_come_from_config(tmp_path, monkeypatch, capsys):
    report = tmp_path / "report.toml"
    report.write_bytes(EXAMPLE.read_bytes())
    monkeypatch.setenv("NIANBAO_CONFIG", str(write_config(tmp_path, ["somebody-else"], ["@no-such-group-xyz"])))
    code, _, err = run(capsys, "submit", str(report))
    assert code == 2 and "只有" in err and "accounts" in err
    code, _, err = run(capsys, "approve", str(report))
    assert code == 2 and "[review] office" in err
    code, _, err = run(capsys, "history", str(report))
    assert code == 2 and "不能查看" in err


def test_aggregate_names_the_reports_not_yet_approved(tmp_path, monkeypatch, capsys):
    units = tmp_path / "units"
    units.mkdir()
    for name in ("建瓯市教育局", "建瓯市财政局"):
        p = units / f"{name}.toml"
        p.write_text(EXAMPLE.read_text(encoding="utf-8").replace(UNIT, name), encoding="utf-8")
        fix_or9(p)
    monkeypatch.setenv("NIANBAO_CONFIG", str(write_config(tmp_path, [me()], [])))
    edu = str(units / "建瓯市教育局.toml")
    assert run(capsys, "submit", edu)[0] == 0
    assert run(capsys, "approve", edu)[0] == 0
    assert run(capsys, "submit", str(units / "建瓯市财政局.toml"))[0] == 0
    code, out, err = run(capsys, "aggregate", str(units), "-o", str(tmp_path / "county.toml"))
    assert "还没有审核通过的报告（1个，已计入）：建瓯市财政局（已提交）" in out
    code, out, err = run(capsys, "aggregate", str(units), "-o", str(tmp_path / "county.toml"), "--json")
    assert [(w["unit"], w["review"]) for w in json.loads(out)["not_approved"]] == [("建瓯市财政局", "submitted")]


# -- two real Unix users ------------------------------------------------------------------------
USERS = {"nbt_unit1": "nbt_g1", "nbt_unit2": "nbt_g2", "nbt_office": "nbt_off"}


def interpreter_for_users() -> list[str]:
    """A Python the test users can run: this one, or the system's of the same version when this
    one lives where they cannot reach (e.g. under /root)."""
    for exe in (sys.executable, f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"):
        probe = subprocess.run(["runuser", "-u", "nobody", "--", exe, "-c", "import sys"], capture_output=True)
        if probe.returncode == 0:
            return [exe]
    pytest.skip("no Python interpreter the test users may run")


@pytest.fixture(scope="module")
def two_users():
    if os.geteuid() != 0:
        pytest.skip("needs root to create two Unix users (useradd); run the suite as root to cover it")
    if not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("useradd/runuser not installed")
    for group in set(USERS.values()):
        subprocess.run(["groupadd", "-f", group], check=True)
    for user, group in USERS.items():
        if subprocess.run(["id", user], capture_output=True).returncode != 0:
            extra = ["-G", "nbt_g1,nbt_g2"] if user == "nbt_office" else []
            subprocess.run(["useradd", "-M", "-N", "-g", group, *extra, "-s", "/usr/sbin/nologin", user], check=True)
    base = Path(tempfile.mkdtemp(prefix="nianbao-two-users-"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def venv_for_users(folder: Path) -> Path:
    """A virtual environment the test users can run, as a county would install nianbao for
    its accounts: :func:`interpreter_for_users`, with this environment's packages, their
    ``.pth`` files included (editable installs, the example plugin), through one ``.pth``.
    Returns its ``python``."""
    subprocess.run([*interpreter_for_users(), "-m", "venv", "--without-pip", str(folder)], check=True)
    site = [p for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (folder / "lib" / version / "site-packages" / "nianbao-tests.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in site) + "\n", encoding="utf-8")
    os.chmod(folder, 0o755)
    return folder / "bin" / "python"


def pythonpath_for_users() -> str:
    """The checkout and this environment's packages, for :func:`interpreter_for_users`."""
    site = [p for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}]
    return os.pathsep.join([str(ROOT), *site])


def as_user(base: Path, user: str, *argv: str, code: str | None = None) -> subprocess.CompletedProcess:
    pw = pwd.getpwnam(user)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "NIANBAO_CONFIG": str(base / "config.toml"),
           "NIANBAO_SAFE_MODE": "1", "PYTHONPATH": pythonpath_for_users(), "HOME": str(base),
           "SSH_CONNECTION": f"10.0.0.{pw.pw_uid % 250} 50000 10.0.0.1 22"}
    cmd = [*interpreter_for_users(), "-c", code] if code else [*interpreter_for_users(), "-m", "tui", *argv]
    return subprocess.run(cmd, user=pw.pw_uid, group=pw.pw_gid, extra_groups=os.getgrouplist(user, pw.pw_gid),
                          env=env, cwd=base, capture_output=True, text=True)


EDIT = """
import sys
from plugins.engine.store import load_report, save_report
r = load_report(sys.argv[1] if len(sys.argv) > 1 else "u1/report.toml")
r.data["fj"]["overview"]["intro"] = "由单位账号修改"
save_report(r)
"""


def test_two_unix_users(two_users):
    base = two_users
    import grp

    for n, unit in ((1, "建瓯市教育局"), (2, "建瓯市财政局")):
        folder = base / f"u{n}"
        folder.mkdir()
        shutil.chown(folder, group=f"nbt_g{n}")
        os.chmod(folder, 0o2770)
        report = folder / "report.toml"
        report.write_text(EXAMPLE.read_text(encoding="utf-8").replace(UNIT, unit), encoding="utf-8")
        fix_or9(report)  # the journal's first entries are root's
        close_all()  # root's connection folds its log in before the files change hands
        for p in (report, journal_path(report)):
            shutil.chown(p, user=f"nbt_unit{n}", group=f"nbt_g{n}")
            os.chmod(p, 0o660)
    (base / "config.toml").write_text(
        '[review]\noffice = ["nbt_office"]\n\n'
        '[[units]]\nname = "建瓯市教育局"\nlevel = "department"\nfile = "u1/report.toml"\naccounts = ["@nbt_g1"]\n\n'
        '[[units]]\nname = "建瓯市财政局"\nlevel = "department"\nfile = "u2/report.toml"\naccounts = ["nbt_unit2"]\n',
        encoding="utf-8")
    r1 = "u1/report.toml"

    # the unit edits and submits; the journal says who and from where
    p = as_user(base, "nbt_unit1", code=EDIT)
    assert p.returncode == 0, p.stderr
    p = as_user(base, "nbt_unit1", "history", r1, "--json")
    assert p.returncode == 0, p.stderr
    last = json.loads(p.stdout)["entries"][-1]
    assert last["user"] == "nbt_unit1" and last["origin"].startswith("ssh 10.0.0.")
    jp = journal_path(base / r1)
    assert grp.getgrgid(jp.stat().st_gid).gr_name == "nbt_g1" and jp.stat().st_mode & 0o777 == 0o660
    p = as_user(base, "nbt_unit1", "submit", r1)
    assert p.returncode == 0, p.stderr

    # the unit cannot approve its own report
    p = as_user(base, "nbt_unit1", "approve", r1)
    assert p.returncode == 2 and "只有县政府办的账号" in p.stderr

    # the unit cannot read another unit's history: the command refuses, and Unix refuses too ...
    p = as_user(base, "nbt_unit1", "history", "u2/report.toml")
    assert p.returncode == 2 and "不能查看" in p.stderr, p.stderr
    u2 = base / "u2"
    p = as_user(base, "nbt_unit1", code=f"open({str(journal_path(u2 / 'report.toml'))!r}, 'rb')")
    assert p.returncode != 0 and "PermissionError" in p.stderr
    # ... and where Unix would let it (files opened to all), the command still refuses
    os.chmod(u2, 0o2775)
    os.chmod(u2 / "report.toml", 0o664)
    os.chmod(journal_path(u2 / "report.toml"), 0o664)
    p = as_user(base, "nbt_unit1", "history", "u2/report.toml")
    assert p.returncode == 2 and "不能查看" in p.stderr, p.stderr

    # the office reads the history, remarks, returns
    p = as_user(base, "nbt_office", "history", r1)
    assert p.returncode == 0 and "nbt_unit1" in p.stdout, p.stderr
    p = as_user(base, "nbt_office", "return", r1, "--remark", "fj.overview:intro", "请写明年度。",
                "--remark", "fj.proactive", "请核对。")
    assert p.returncode == 0, p.stderr
    # the unit cannot add remarks, answers and resolves, resubmits
    p = as_user(base, "nbt_unit1", "remark", r1, "--at", "fj.overview", "自己给自己提意见")
    assert p.returncode == 2 and "县政府办" in p.stderr
    with Journal(base / r1, create=False) as j:
        ids = [r.id for r in j.review().remarks]
    assert as_user(base, "nbt_unit1", "remark", r1, "--answer", str(ids[0]), "已改").returncode == 0
    assert as_user(base, "nbt_unit1", "remark", r1, "--resolve", str(ids[1])).returncode == 0
    assert as_user(base, "nbt_unit1", "submit", r1).returncode == 0
    # the office approves; the unit can no longer change the report, even by restore
    p = as_user(base, "nbt_office", "approve", r1)
    assert p.returncode == 0, p.stderr
    before = (base / r1).read_bytes()
    p = as_user(base, "nbt_unit1", code=EDIT.replace("由单位账号修改", "通过后再改"))
    assert p.returncode != 0 and "ReportFrozen" in p.stderr
    p = as_user(base, "nbt_unit1", "restore", r1, "--to", "1")
    assert p.returncode == 2 and "已通过" in p.stderr
    p = as_user(base, "nbt_unit1", "reopen", r1)
    assert p.returncode == 2 and "县政府办" in p.stderr
    assert (base / r1).read_bytes() == before
    # only the office reopens
    assert as_user(base, "nbt_office", "reopen", r1).returncode == 0
    assert as_user(base, "nbt_unit1", code=EDIT).returncode == 0
    with Journal(base / r1, create=False) as j:
        assert j.verify() == []
        kinds = [e.kind for e in j.entries()]
        users = {e.kind: e.user for e in j.entries()}
    assert kinds.count("submit") == 2 and users["approve"] == "nbt_office" and users["answer"] == "nbt_unit1"
    # a reader who may read the report but not write it reads its journal all the same
    for path in (base / r1, journal_path(base / r1)):
        os.chmod(path, 0o640)
    p = as_user(base, "nbt_office", "history", r1, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["intact"], p.stderr
