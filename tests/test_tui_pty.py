"""The interface in a real pseudo-terminal (tmux), as an operator over SSH would have it:
Chinese typed through the terminal reaches the file when the connection drops (SIGHUP),
and bytes that are not UTF-8 (a GBK client) do not bring the app down.

Each test uses its own tmux server (``-L``), so nothing touches a tmux the user runs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from plugins.engine.store import ReportLock
from test_review import two_users, venv_for_users  # noqa: F401 - a fixture: two Unix users of one county (root only)

ROOT = Path(__file__).resolve().parent.parent
TMUX = shutil.which("tmux")
WAIT = 60.0  # seconds before a wait for the screen (or the app) gives up: only stops a hung test

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal tests need it")

REPORT = """\
[report]
unit = "建瓯市人民政府办公室"
unit_level = "government"
year = 2018
format = "fujian-2018"

[fj.overview]
intro = "原有的总述。"
"""


class Terminal:
    """A detached 80x24 tmux session running one command."""

    def __init__(self, tmp_path: Path):
        self.socket = f"nianbao-test-{os.getpid()}-{tmp_path.name}"
        self.tmp_path = tmp_path

    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr}")
        return done.stdout

    def start(self, report: Path | str, *, size: tuple[int, int] = (80, 24), lang: str = "C.UTF-8",
              config: Path | None = None, stay: bool = False, user: str | None = None,
              python: Path | None = None, command: str = "edit") -> int:
        """Run ``nianbao edit report`` (or another ``command`` on it); ``stay``: the shell
        stays after it ends (its exit status is then ``exit_status()``, what it printed stays
        on the screen); ``user``: as that Unix user (root only), with a ``python`` that user
        can run."""
        env = (f"PYTHONPATH={ROOT} NIANBAO_CONFIG={config or self.tmp_path / 'none.toml'} LANG={lang} LC_ALL={lang} "
               f"XDG_STATE_HOME={self.tmp_path / 'state'}")
        edit = f"env {env} {python or sys.executable} -m tui {command} {report}"
        if user is not None:
            edit = f"runuser -u {user} -- {edit}"
        status = self.tmp_path / "exit-status"
        command = (f"cd {self.tmp_path} && {edit}; echo $? >{status}.tmp && mv {status}.tmp {status}; sleep 600"
                   if stay else f"cd {self.tmp_path} && exec {edit}")
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), command)
        return int(self.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())

    def exit_status(self, timeout: float = WAIT) -> int:
        """The exit status of the app started with ``stay=True`` (waiting for it to end)."""
        path = self.tmp_path / "exit-status"
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() >= deadline:
                raise AssertionError(f"the app did not end:\n{self.screen()}")
            time.sleep(0.1)
        return int(path.read_text().strip())

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", "t", check=False)

    def wait_for(self, text: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def keys(self, *keys: str, literal: bool = False, hex_bytes: bool = False) -> None:
        flags = ["-l"] if literal else ["-H"] if hex_bytes else []
        self.tmux("send-keys", "-t", "t", *flags, *keys)

    def hang_up(self) -> None:
        """What a dropped SSH connection does: the terminal goes away (SIGHUP)."""
        self.tmux("kill-session", "-t", "t", check=False)

    def close(self) -> None:
        """Ends the tmux server and waits until its socket is gone: a session started on the
        socket of a server still shutting down fails ("server exited unexpectedly")."""
        self.tmux("kill-server", check=False)
        wait_until(lambda: "no server running" in subprocess.run([TMUX, "-L", self.socket, "has-session"],
                                                                 capture_output=True, text=True).stderr)


def wait_until(predicate, timeout: float = WAIT, what=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"never happened: {what()}")
        time.sleep(0.1)


def gone(pid: int, timeout: float = WAIT) -> bool:
    """Whether the process has ended (waiting up to ``timeout``; no timing is asserted)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@pytest.fixture
def term(tmp_path):
    t = Terminal(tmp_path)
    yield t
    t.close()


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "copy.toml"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_a_second_unix_user_gets_the_read_only_view_naming_who_holds_the_lock(two_users):  # noqa: F811 - the fixture imported above
    """Two accounts of one county's group share a folder (setgid, group-writable). root has
    the report open (holds its lock) when the unit's own account runs ``nianbao edit`` on it
    in a real terminal, with a Python and packages that account can reach: it opens
    read-only, says who holds the lock, refuses typing with the holder's name, and quits
    cleanly without writing the report or taking the lock."""
    import pwd
    import socket

    base = two_users
    folder = base / "shared"
    folder.mkdir()
    shutil.chown(folder, group="nbt_g1")
    os.chmod(folder, 0o2770)
    report = folder / "report.toml"
    report.write_text(REPORT, encoding="utf-8")
    shutil.chown(report, group="nbt_g1")
    os.chmod(report, 0o660)
    (base / "state").mkdir()
    shutil.chown(base / "state", user="nbt_unit1", group="nbt_g1")
    before = report.read_bytes()
    python = venv_for_users(base / "venv")
    lock = ReportLock(report).acquire()  # root is editing it
    holder = lock.holder()
    assert holder.startswith(f"root@{socket.gethostname()} ")
    term = Terminal(base)
    try:
        term.start(report, user="nbt_unit1", python=python, size=(120, 30), stay=True)
        screen = term.wait_for("本次以只读方式打开")
        assert "此报告正在被他人编辑（root@" in " ".join(screen.split())
        assert "未运行" not in screen  # its installation is complete: the example plugin loads too
        term.keys("x")  # typing is refused, naming the holder
        term.wait_for("正在编辑此报告，这里不能修改")
        assert "只读：root@" in term.screen()
        term.keys("C-q")
        assert term.exit_status() == 0, term.screen()
    finally:
        term.close()
        lock.release()
    assert report.read_bytes() == before
    assert not list(folder.glob("*.bak")) and sorted(p.name for p in folder.iterdir()) == [".report.toml.lock", "report.toml"]
    # it really ran as the unit's account: what it left in its own state folder is that account's
    uid = pwd.getpwnam("nbt_unit1").pw_uid
    left = [p for p in (base / "state").rglob("*") if p.is_file()]
    assert left and all(p.stat().st_uid == uid for p in left), left


def test_chinese_typed_in_a_terminal_is_saved_when_the_connection_drops(term, report):
    pid = term.start(report)
    term.wait_for("一、概述")
    term.keys("县级报告（草稿），数量：１２３。", literal=True)
    term.wait_for("县级报告（草稿）")
    term.hang_up()  # at once: well before the one-second autosave
    try:
        assert gone(pid), "the app kept running after SIGHUP"
    finally:
        if not gone(pid, 0):
            os.kill(pid, signal.SIGKILL)  # only the app this test started
    data = tomllib.loads(report.read_text(encoding="utf-8"))
    assert data["fj"]["overview"]["intro"] == "县级报告（草稿），数量：１２３。原有的总述。"
    ReportLock(report).acquire().release()  # the lock was released (acquiring it would raise ReportLocked)


def test_gbk_bytes_from_the_terminal_are_refused_visibly_and_never_stored(term, report):
    pid = term.start(report)
    term.wait_for("一、概述")
    term.keys("b1", "a8", "b8", "e6", hex_bytes=True)  # "报告" in GBK: not UTF-8
    term.keys("ok", literal=True)
    term.wait_for("ok")
    term.wait_for("没有写入报告")  # the operator is told, with the way out
    term.wait_for("UTF-8")
    assert "\ufffd" not in term.screen()
    assert not gone(pid, 0.5), "the app died on bytes that are not UTF-8"  # (half a second to catch a late crash)
    term.keys("C-q")
    assert gone(pid)
    text = report.read_text(encoding="utf-8")
    assert "\ufffd" not in text
    assert tomllib.loads(text)["fj"]["overview"]["intro"] == "ok原有的总述。"


@pytest.fixture(scope="module")
def gbk_locale(tmp_path_factory) -> dict[str, str]:
    """The environment of a zh_CN.GBK terminal: the locale installed, or generated with
    localedef into a folder of the test's (LOCPATH) when it is not."""
    env = {"LANG": "zh_CN.GBK", "LC_ALL": "zh_CN.GBK"}
    installed = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower().split()
    if "zh_cn.gbk" in installed:
        return env
    localedef = shutil.which("localedef")
    if localedef is None:
        pytest.skip("zh_CN.GBK is not installed and localedef is missing: cannot make a GBK terminal")
    folder = tmp_path_factory.mktemp("locales")
    made = subprocess.run([localedef, "-i", "zh_CN", "-f", "GBK", str(folder / "zh_CN.GBK")],
                          capture_output=True, text=True)
    if not (folder / "zh_CN.GBK" / "LC_CTYPE").exists():
        pytest.skip(f"localedef could not make zh_CN.GBK: {made.stderr.strip()[:200]}")
    return {**env, "LOCPATH": str(folder)}


def test_a_gbk_terminal_is_told_in_gbk_how_to_switch_and_nothing_is_opened(tmp_path, report, gbk_locale):
    import pty

    before = report.read_bytes()
    env = {**os.environ, **gbk_locale, "PYTHONPATH": str(ROOT), "NIANBAO_CONFIG": str(tmp_path / "none.toml"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "xterm-256color"}
    check = subprocess.run([sys.executable, "-c", "import locale; print(locale.getpreferredencoding())"],
                           env=env, capture_output=True, text=True)
    assert check.stdout.strip().lower() == "gbk"  # the pty's locale really is GBK
    master, slave = pty.openpty()
    try:
        app = subprocess.Popen([sys.executable, "-m", "tui", "edit", str(report)], stdin=slave, stdout=slave,
                               stderr=slave, env=env, cwd=tmp_path, close_fds=True)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end closed: the app has ended
                break
            if not chunk:
                break
            out += chunk
        assert app.wait(timeout=60) == 2
    finally:
        os.close(master)
    assert b"\x1b[?1049h" not in out  # the interface never drew anything (no alternate screen)
    shown = out.decode("gbk")  # readable in that terminal
    assert "终端的字符编码不是 UTF-8（LC_ALL=zh_CN.GBK）" in shown and "Xshell：文件 → 属性 → 终端 → 编码" in shown
    assert "nianbao: this terminal is not UTF-8 (LC_ALL=zh_CN.GBK)" in shown
    assert report.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.toml"]  # not even a lock file


def test_after_sigkill_the_file_is_intact_with_what_was_autosaved(term, report):
    pid = term.start(report)
    term.wait_for("一、概述")
    term.keys("断电前输入的内容", literal=True)
    term.wait_for("断电前输入的内容")
    deadline = time.monotonic() + 20
    while "断电前输入的内容" not in report.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.1)  # saved continuously: no key, no quitting
    os.kill(pid, signal.SIGKILL)
    assert gone(pid)
    data = tomllib.loads(report.read_text(encoding="utf-8"))  # complete, parseable
    assert data["fj"]["overview"]["intro"] == "断电前输入的内容原有的总述。"
    assert data["report"]["unit"] == "建瓯市人民政府办公室"


# -- a new report, start to finish (issue 10, items 1 and 2) ------------------------------------

def nianbao(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NIANBAO_CONFIG": str(tmp_path / "none.toml"),
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


TRACEBACK = ("Traceback", "Error:", "Exception", "locals ─")


def page_headings(path: Path) -> list[str]:
    """The title of each page of the report at ``path``, in the order F3 goes through them
    (installed plugins loaded, as `nianbao edit` does)."""
    from plugins.engine.config import Config
    from plugins.engine.store import load_report
    from plugins.host.manager import PluginHost
    from tui.session import Session

    session = Session(PluginHost(Config()), load_report(path), read_only=True)  # installed plugins too, as the app
    try:
        return [page.heading for page in session.pages]
    finally:
        session.close()


def shows_page(screen: str, heading: str) -> bool:
    """Whether the form's first line, right of the part list, is the title ``heading``
    (cut with … when long; its state follows it)."""
    lines = screen.splitlines()
    line = lines[1].split("▕", 1)[-1].strip() if len(lines) > 1 else ""
    title = line.split("…")[0] if "…" in line else line.split("  ")[0]
    return bool(title) and heading.startswith(title)


@pytest.mark.parametrize("year,level", [(2024, "government"), (2018, "department")], ids=["national", "fujian"])
def test_every_page_of_a_new_report_in_a_real_terminal(term, tmp_path, year, level):
    path = tmp_path / "new.toml"
    assert nianbao(tmp_path, "new", str(path), "--unit", "淮安市人民政府", "--year", str(year), "--level", level).returncode == 0
    headings = page_headings(path)  # every page, 报告信息 first
    term.start(path, stay=True)
    term.wait_for("一、")
    for i in range(len(headings)):
        term.keys("F3")
        page = headings[(i + 2) % len(headings)]  # (it starts on the first part, after 报告信息)
        wait_until(lambda page=page: shows_page(term.screen(), page), what=lambda page=page: f"{page} shown:\n{term.screen()}")
        term.keys(f"甲{i}", literal=True)  # into the first field of the page
        term.wait_for(f"甲{i}")
        screen = term.screen()
        assert not any(mark in screen for mark in TRACEBACK), screen
    term.keys("C-q")
    assert term.exit_status() == 0
    text = path.read_text(encoding="utf-8")
    tomllib.loads(text)
    assert [i for i in range(len(headings)) if f"甲{i}" not in text] == []  # each page got what was typed on it


def test_the_metadata_of_a_new_national_report_typed_in_a_terminal_reaches_check(term, tmp_path):
    path = tmp_path / "huaian.toml"
    assert nianbao(tmp_path, "new", str(path), "--unit", "淮安市人民政府", "--year", "2024", "--level", "government").returncode == 0
    term.start(path, stay=True)
    term.wait_for("一、总体情况")
    term.keys("F2")  # from the first part back to 报告信息
    term.wait_for("单位名称")
    typed = {  # in the order of the page, after 单位名称: Tab count, text
        "region": (2, "江苏省淮安市"),
        "doc_number": (3, "淮政办〔2025〕3号"),
        "website_name": (3, "淮安市人民政府网"),
        "website_url": (1, "http://www.huaian.gov.cn"),
        "contact_office": (1, "市政府办公室政务公开科"),
        "phone": (1, "0517-83606220"),
        "email": (4, "zwgk＠huaian.gov.cn"),  # a full-width ＠: check names it
    }
    for tabs, text in typed.values():
        term.keys(*["Tab"] * tabs)
        term.keys(text, literal=True)
        term.wait_for(text)
    term.keys(*["Tab"] * 2)  # 成文日期 公开日期
    term.keys("2025-01-20", literal=True)
    term.keys(*["Tab"] * 4, "Enter")  # 署名 印发机关 附注 → 行政层级: its list opens
    term.wait_for("设区的市")
    term.keys("Down", "Down", "Enter")  # (empty) → 县级 → 设区的市、自治州
    wait_until(lambda: "请选择" not in term.screen())  # the list has closed on the choice
    term.keys("C-q")
    assert term.exit_status() == 0
    meta = tomllib.loads(path.read_text(encoding="utf-8"))["report"]
    assert {k: meta.get(k) for k in typed} == {k: t for k, (_, t) in typed.items()}
    assert str(meta["published"]) == "2025-01-20" and meta["admin_level"] == "city"
    check = nianbao(tmp_path, "check", str(path))
    assert "文档信息 › 电子邮箱：格式不对：zwgk＠huaian.gov.cn" in check.stdout
    for label in ("行政区划", "发布网站名称", "联系科室", "电话"):  # no longer missing
        assert f"文档信息 › {label}" not in check.stdout


def test_an_unexpected_error_saves_says_where_the_details_are_and_exits_non_zero(term, tmp_path):
    """A county plugin with a bug (its field fails on some text) stands for anything that
    raises inside the app."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "buggy.j2").write_text("{{ note }}\n", encoding="utf-8")
    (tmp_path / "plugins" / "buggy.py").write_text('''
from pathlib import Path

from plugins import API_VERSION, Section, hookimpl
from plugins.fields import Text


class BuggyText(Text):
    def parse(self, text):
        if "boom" in text:
            raise KeyError("a bug in a county plugin")
        return super().parse(text)


class Buggy(Section):
    id = "tb.buggy"
    api_version = API_VERSION
    heading = "县里加的部分"
    formats = ("fujian-2018",)
    number = 99
    template = "buggy.j2"
    template_folder = Path(__file__).parent
    fields = (BuggyText(key="note", label="说明", required=False),)


@hookimpl
def nianbao_register_sections():
    return [Buggy()]
''', encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[plugins]\nfolders = ["plugins"]\n', encoding="utf-8")
    report = tmp_path / "copy.toml"
    report.write_text(REPORT, encoding="utf-8")
    term.start(report, config=config, stay=True)
    term.wait_for("一、概述")
    term.keys("F2")
    term.wait_for("报告信息")
    term.keys("F2")  # the last part: the county's
    term.wait_for("县里加的部分")
    term.keys("typed first ", literal=True)
    term.wait_for("typed first")
    term.keys("boom", literal=True)
    assert term.exit_status() == 3
    screen = term.screen()
    assert "nianbao 出现意外错误（KeyError: 'a bug in a county plugin'），已退出" in screen
    assert f"输入的内容都已保存在 {report}，没有丢失" in screen
    log = next((tmp_path / "state" / "nianbao").glob("crash-*.log"))
    assert f"详细情况已写入 {log}，请发给技术支持。" in screen
    assert "Traceback" not in screen and "a bug in a county plugin" in log.read_text(encoding="utf-8")
    assert tomllib.loads(report.read_text(encoding="utf-8"))["tb"]["buggy"]["note"].startswith("typed first")


def test_edit_on_a_published_word_file_offers_to_import_it_and_never_writes_it(term, tmp_path):
    """``nianbao edit last.docx`` in a real terminal: the offer shows what was read; Esc
    leaves everything as it was; Enter writes last.toml beside the document and opens it."""
    from plugins.engine.config import Config
    from plugins.engine.render import Renderer
    from plugins.engine.store import load_report
    from plugins.host.manager import PluginHost

    host = PluginHost(Config(), entry_points=False)
    doc = tmp_path / "last.docx"
    doc.write_bytes(host.exporters["docx"].export(Renderer(host).render(load_report(ROOT / "examples" / "huaian-2024.toml"))))
    before = doc.read_bytes()
    term.start(doc, stay=True)
    term.wait_for("表格数字 166/166 格")
    term.keys("Escape")
    assert term.exit_status() == 0
    assert "没有改动" in term.screen()
    assert not (tmp_path / "last.toml").exists() and doc.read_bytes() == before

    term.close()
    (tmp_path / "exit-status").unlink()
    term.start(doc, stay=True)
    term.wait_for("导入并打开")
    # Typing goes on right after Enter: what the offer's app had read, and what it had not,
    # reach the editor that opens (Textual would drop the one and flush the other).
    term.keys("Enter", "甲乙")
    term.keys("丙丁", literal=True)
    term.wait_for("F10 导出")  # the form of the imported report (its footer: the offer has none of it)
    term.wait_for("甲乙丙丁2024年")  # into the first field, where the cursor is, in the order typed
    term.keys("C-q")
    assert term.exit_status() == 0
    assert doc.read_bytes() == before
    imported = tomllib.loads((tmp_path / "last.toml").read_text(encoding="utf-8"))
    assert imported["report"]["unit"] == "淮安市人民政府" and imported["report"]["year"] == 2024
    assert imported["nat"]["overview"]["intro"].startswith("甲乙丙丁2024年")


def county_of_one(tmp_path: Path) -> tuple[Path, Path]:
    """A county folder whose one unit has handed in the example: its config.toml, the report."""
    units = tmp_path / "units"
    units.mkdir()
    text = (ROOT / "examples" / "jianou-2018.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^unit = ".*"$', 'unit = "建瓯市教育局"', text)
    text = re.sub(r'(?m)^unit_level = ".*"$', 'unit_level = "department"', text)
    (units / "jiaoyu.toml").write_text(text, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[site]\nyear = 2018\n[county]\nfolder = "units"\n\n'
                      '[[units]]\nname = "建瓯市教育局"\nlevel = "department"\n', encoding="utf-8")
    return config, units / "jiaoyu.toml"


def test_typing_right_after_enter_on_the_county_list_reaches_the_unit_report(term, tmp_path):
    """``nianbao status --tui``: Enter opens the unit's report in the editor; what is typed at
    once goes into it, none dropped with the list's app."""
    config, report = county_of_one(tmp_path)
    term.start("--tui", config=config, stay=True, command="status")
    term.wait_for("建瓯市教育局  部门")
    term.keys("Enter", "甲乙")
    term.keys("丙丁", literal=True)
    term.wait_for("甲乙丙丁2018年")  # the first field of the report, in the order typed
    term.keys("C-q")
    term.wait_for("已交 1/1")  # back on the list
    term.keys("C-q")
    assert term.exit_status() == 0
    assert tomllib.loads(report.read_text(encoding="utf-8"))["fj"]["overview"]["intro"].startswith("甲乙丙丁2018年")


def test_a_dropped_connection_in_a_report_opened_from_the_county_list_ends_the_process(term, tmp_path):
    """The editor saves and leaves on SIGHUP; the list must not be drawn again on the
    terminal that is gone (it did, and spun on its input for ever)."""
    config, report = county_of_one(tmp_path)
    # (from a shell, as over SSH: the hang-up reaches the shell, and nianbao's process once)
    shell = term.start("--tui", config=config, stay=True, command="status")
    pid = int(subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True, check=True).stdout.split()[0])
    term.wait_for("建瓯市教育局  部门")
    term.keys("Enter")
    term.wait_for("一、概述")
    term.hang_up()
    try:
        assert gone(pid), "the process kept running after SIGHUP"
    finally:
        if not gone(pid, 0):
            os.kill(pid, signal.SIGKILL)  # only the process this test started
    ReportLock(report).acquire().release()  # the editor's lock was released
