"""``nianbao serve`` in a real browser: Debian's chromium, headless, driven by Playwright
(its own browser download is not reachable from these machines, so the system chromium is
launched through ``executable_path``; .ci/run installs it where it is missing).

What the tests read of the screen: the page's websocket carries the interface's output
(the bytes xterm.js draws), which a script added to the page keeps (``window.__nb.out``);
the screenshots (1280x800, kept with ``NIANBAO_SCREENSHOTS=DIR`` as the HTML export's are)
show what xterm.js drew. What was typed is checked in the report file itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from plugins.engine.store import ReportLock, ReportLocked

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"
CHROMIUM = os.environ.get("NIANBAO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags chromium keeps calling home, which floods a closed network
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--force-device-scale-factor=1"]
VIEWPORT = {"width": 1280, "height": 800}

# The interface's output as the page receives it (textual.js hands the same bytes to xterm.js),
# and what the page sends (the keys as xterm.js encodes them)
RECORD_PAGE = """
(() => {
  const Real = window.WebSocket, decode = new TextDecoder();
  window.__nb = {out: "", sent: [], closed: false};
  window.WebSocket = function (url, protocols) {
    const ws = new Real(url, protocols);
    ws.addEventListener("message", e => {
      if (typeof e.data !== "string") window.__nb.out += decode.decode(new Uint8Array(e.data), {stream: true});
    });
    ws.addEventListener("close", () => { window.__nb.closed = true; });
    return ws;
  };
  window.WebSocket.prototype = Real.prototype;
  const send = Real.prototype.send;
  Real.prototype.send = function (data) { window.__nb.sent.push(data); return send.call(this, data); };
})();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 30.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"waited {timeout} s for {what or predicate}")
        time.sleep(0.05)


def lock_free(path: Path) -> bool:
    try:
        with ReportLock(path):
            return True
    except ReportLocked:
        return False


class Served:
    """``nianbao serve`` running as an operator starts it, in a folder of the test's."""

    def __init__(self, tmp_path: Path, *args: str, config: str = "", host: str = "127.0.0.1"):
        self.port = _free_port()
        self.host = host
        (tmp_path / "config.toml").write_text(config, encoding="utf-8")
        env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "NIANBAO_CONFIG": str(tmp_path / "config.toml")}
        self.process = subprocess.Popen([sys.executable, "-m", "tui.cli", "serve", *args, "--host", host,
                                         "--port", str(self.port)], cwd=tmp_path, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        wait_until(self._listening, 30, f"nianbao serve to listen on {self.port}")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"nianbao serve ended: {self.process.communicate()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # ctrl+c: every session saves and ends first
        out, err = self.process.communicate(timeout=60)
        return out + err


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: the browser tests of nianbao serve are skipped "
                    "(.ci/run installs it as root on Debian; NIANBAO_CHROMIUM=PATH names another)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[web]')")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path):
    servers: list[Served] = []

    def start(*args: str, **kwargs) -> Served:
        servers.append(Served(tmp_path, *args, **kwargs))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    keep = os.environ.get("NIANBAO_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    return shot


def open_page(browser, url: str, ready: str, **context):
    """A new browser (its own cookies) on the page, once ``ready`` is on its screen."""
    ctx = browser.new_context(viewport=VIEWPORT, **context)
    ctx.add_init_script(RECORD_PAGE)
    page = ctx.new_page()
    page.goto(url)
    shown(page, ready)
    page.focus(".xterm-helper-textarea")  # (where xterm.js takes the keyboard)
    return page


def mark(page) -> int:
    """Where the interface's output is now: ``shown(page, text, since=mark(page))`` waits for
    ``text`` drawn after this point (the nav list, the title and the clock hold many words)."""
    return page.evaluate("window.__nb.out.length")


def shown(page, text: str, timeout: float = 30.0, since: int = 0) -> None:
    page.wait_for_function("([t, n]) => window.__nb.out.slice(n).includes(t)", arg=[text, since], timeout=timeout * 1000)


def output_settled(page, quiet: float = 0.4, timeout: float = 30.0) -> None:
    """Waits until the interface has drawn nothing new for ``quiet`` seconds: before a
    screenshot (a picture, checked by no one), or to let the screen calm down between keys
    that the app takes in order anyway. Never as the wait for something a test checks."""
    end = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < end:
        n = page.evaluate("window.__nb.out.length")
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the interface kept drawing")


def ime(page, text: str, pinyin: str) -> None:
    """Chinese as an input method types it: a composition (the pinyin, then the candidate
    shown), then committed (CDP: compositionstart/update/end, as the operating system's IME
    produces them)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": pinyin, "selectionStart": len(pinyin), "selectionEnd": len(pinyin)})
    cdp.send("Input.imeSetComposition", {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
    cdp.send("Input.insertText", {"text": text})
    cdp.detach()


def new_report(tmp_path: Path, name: str = "report.toml") -> Path:
    path = tmp_path / name
    done = subprocess.run([sys.executable, "-m", "tui.cli", "new", str(path), "--unit", "淮安市人民政府", "--year", "2024",
                           "--level", "government"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "NIANBAO_CONFIG": str(tmp_path / "none.toml")})
    assert done.returncode == 0, done.stderr
    return path


# -- typing, saving, hang-up ----------------------------------------------------------------
def test_chinese_and_figures_typed_in_the_browser_are_on_disk_when_the_tab_closes(browser, served, tmp_path):
    report = new_report(tmp_path)
    server = served(str(report))
    page = open_page(browser, server.url, "一、总体情况")
    output_settled(page)
    screenshot(page, tmp_path, "serve-opened")
    before = mark(page)
    ime(page, "县政府办公室", "xianzhengfubangongshi")
    page.keyboard.type("2024")
    ime(page, "年度", "niandu")
    page.keyboard.insert_text("报告")  # (text put in without key events, as a paste by the IME)
    shown(page, "县政府办公室2024年度报告", since=before)
    before = mark(page)
    page.keyboard.press("F3")  # 二、主动公开政府信息情况: 导语, then the first table
    shown(page, "导语", since=before)
    output_settled(page)
    screenshot(page, tmp_path, "serve-typed")
    before = mark(page)
    page.keyboard.press("Tab")
    page.keyboard.type("9876")
    shown(page, "9876", since=before)
    page.close()  # the tab is closed as soon as the figure is seen, before autosave's half second: a hang-up
    wait_until(lambda: lock_free(report), 30, "the session to save and end")
    data = tomllib.loads(report.read_text(encoding="utf-8"))
    assert data["nat"]["overview"]["intro"] == "县政府办公室2024年度报告"  # nothing dropped, nothing doubled
    documents = data["nat"]["proactive"]["documents"]
    first_row = next(iter(documents.values()))
    assert next(iter(first_row.values())) == 9876, documents


def test_closing_a_tab_hangs_up_its_process_and_waits_for_it(tmp_path):
    """The session's end is SIGHUP to the interface's process (the save-and-leave path of a
    dropped SSH connection), then waiting for it: here a stand-in that records the signal."""
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[web]')")
    import asyncio

    from textual_serve.download_manager import DownloadManager

    from tui.serve import TabSession

    record, ready = tmp_path / "signal.txt", tmp_path / "ready"
    stand_in = tmp_path / "app.py"
    stand_in.write_text(f"""
import signal, sys, time
def hang_up(number, frame):
    time.sleep(0.5)  # (a save takes a while: it is waited for)
    open({str(record)!r}, "w").write(signal.Signals(number).name)
    sys.exit(0)
signal.signal(signal.SIGHUP, hang_up)
open({str(ready)!r}, "w").close()
sys.stdout.write("__GANGLION__\\n"); sys.stdout.flush()
while True:
    time.sleep(0.1)
""", encoding="utf-8")

    async def session() -> int | None:
        async def ignore(data) -> None:
            pass

        tab = TabSession(f"exec {sys.executable} {stand_in}", write_bytes=ignore, write_str=ignore, close=ignore,
                         download_manager=DownloadManager())
        await tab.start(80, 24)
        end = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < end:  # its handler of SIGHUP is in place
            await asyncio.sleep(0.05)
        process = tab._process
        await tab.stop()  # the websocket has closed
        return process.returncode

    with ThreadPoolExecutor(1) as thread:  # (its own event loop: Playwright's runs in this thread)
        assert thread.submit(lambda: asyncio.run(session())).result(60) == 0
    assert record.read_text() == "SIGHUP"


def test_a_second_browser_gets_the_read_only_view_and_cannot_change_the_file(browser, served, tmp_path):
    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    server = served(str(report))
    first = open_page(browser, server.url, "总述")
    second = open_page(browser, server.url, "只读")
    output_settled(second)
    screenshot(second, tmp_path, "serve-read-only")
    before = report.read_bytes()
    n = mark(second)
    second.keyboard.type("xyz")
    shown(second, "这里不能修改", since=n)  # (what is typed there is refused, and said so)
    second.close()
    n = mark(first)
    first.keyboard.type("甲")
    shown(first, "甲", since=n)
    first.close()
    wait_until(lambda: lock_free(report), 30, "the sessions to end")
    after = report.read_text(encoding="utf-8")
    assert "xyz" not in after and "甲" in after and before != report.read_bytes()


def test_a_county_folder_shows_the_status_screen_and_enter_opens_the_units_report(browser, served, tmp_path):
    county = tmp_path / "county"
    county.mkdir()
    (county / "reports").mkdir()
    report = county / "reports" / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    (county / "config.toml").write_text('[site]\nyear = 2018\n[county]\nfolder = "reports"\n'
                                        '[[units]]\nname = "建瓯市人民政府办公室"\nlevel = "government"\n'
                                        '[[units]]\nname = "建瓯市教育局"\nlevel = "department"\n', encoding="utf-8")
    server = served(str(county))
    page = open_page(browser, server.url, "建瓯市教育局")  # the status screen: every unit
    output_settled(page)
    screenshot(page, tmp_path, "serve-status")
    n = mark(page)
    page.keyboard.press("ArrowDown")  # the unit that handed its report in (the missing one is first)
    output_settled(page)
    with page.expect_navigation(timeout=30_000):  # its report's own page, in this tab
        page.keyboard.press("Enter")
    assert "/unit/" in page.url
    shown(page, "总述")  # the unit's report, in the editor
    page.focus(".xterm-helper-textarea")
    n = mark(page)
    page.keyboard.type("丁戊")
    shown(page, "丁戊", since=n)
    page.close()
    wait_until(lambda: lock_free(report), 30, "the session to save and end")
    assert "丁戊" in report.read_text(encoding="utf-8")
    assert _get(server.url + "unit/" + urllib.parse.quote("没有的单位") + "/")[0] == 404


def test_stopping_the_server_saves_every_open_tab(browser, served, tmp_path):
    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    server = served(str(report))
    page = open_page(browser, server.url, "总述")
    n = mark(page)
    page.keyboard.type("乙丙")
    shown(page, "乙丙", since=n)
    log = server.stop()  # ctrl+c on the server with a tab open
    assert "乙丙" in report.read_text(encoding="utf-8")
    wait_until(lambda: page.evaluate("window.__nb.closed"), 10, "the page to be told")
    assert "Traceback" not in log
    assert lock_free(report)


# -- downloads --------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".html"])
def test_the_export_dialog_hands_the_file_to_the_browsers_downloads(browser, served, tmp_path, suffix):
    report = tmp_path / "建瓯2018.toml"  # (a Chinese file name reaches the browser as it is)
    shutil.copy(EXAMPLE, report)
    server = served(str(report))
    page = open_page(browser, server.url, "总述", accept_downloads=True)

    def drawn_formats() -> list[str]:  # the list of formats as drawn: id, then its name
        drawn = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "\n", page.evaluate("window.__nb.out").split("导出报告")[-1])
        return re.findall(r"^(\w+) {2,}\S", drawn, re.M)

    def export():
        n = mark(page)
        page.keyboard.press("F10")
        shown(page, "导出报告", since=n)
        wait_until(lambda: suffix[1:] in drawn_formats(), 30, f"{suffix[1:]} in the list of formats drawn")
        formats = drawn_formats()
        for _ in range(formats.index(suffix[1:])):
            page.keyboard.press("ArrowDown")
        output_settled(page)
        with page.expect_download(timeout=60_000) as caught:
            n = mark(page)
            page.keyboard.press("Enter")
            shown(page, "仍要导出", since=n)  # the example has errors left: asked first
            page.keyboard.press("Enter")
        return caught.value

    download = export()
    if download.failure() == "canceled":
        # Chromium cancelled the download of the tab textual.js opens for it, twice in some
        # 20 runs of the whole suite on a loaded machine, never when this test ran alone; the
        # cause was not found. The operator exports again; a second failure fails the test.
        output_settled(page)
        download = export()
    assert download.suggested_filename == report.with_suffix(suffix).name
    received = Path(download.path()).read_bytes()
    assert received == report.with_suffix(suffix).read_bytes()  # the file written on the server, whole
    if suffix != ".html":
        with zipfile.ZipFile(Path(download.path())) as z:
            assert z.testzip() is None
    else:
        assert "2018年政府信息公开工作年度报告" in received.decode("utf-8")
    if suffix == ".docx":
        output_settled(page)
        screenshot(page, tmp_path, "serve-exported")
    page.close()


# -- keys -------------------------------------------------------------------------------------
def _playwright_key(key: str) -> str:
    names = {"ctrl": "Control", "shift": "Shift", "up": "ArrowUp", "down": "ArrowDown", "left": "ArrowLeft",
             "right": "ArrowRight", "pageup": "PageUp", "pagedown": "PageDown", "enter": "Enter", "tab": "Tab",
             "escape": "Escape", "insert": "Insert", "delete": "Delete", "backspace": "Backspace"}
    parts = key.split("+")
    return "+".join(names.get(p, p.upper() if p[0] == "f" and p[1:].isdigit() else p) for p in parts)


def test_every_key_of_the_interface_reaches_it_from_the_browser(browser, served, tmp_path):
    """Each key bound in the editor and the status screen, pressed in the page, arrives as
    that key (xterm.js encodes it, Textual's parser reads it back); the ones a browser keeps
    for itself (a new window or tab, closing the tab) have another key that arrives."""
    from textual._xterm_parser import XTermParser

    from tui.bindings import make_bindings
    from tui.i18n import Translator
    from tui.screens.status import status_bindings

    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    server = served(str(report))
    page = open_page(browser, server.url, "总述")
    shown(page, "Ins")  # the footer names Insert for 新增 (ctrl+n opens a browser window)
    keys = sorted({k for b in make_bindings(Translator("zh")) + status_bindings(Translator("zh"))
                   for k in b.key.split(",")} - {"ctrl+q"})  # (ctrl+q last: it ends the session)
    arrived = {}
    for key in keys + ["ctrl+q"]:
        page.evaluate("window.__nb.sent = []")
        page.keyboard.press(_playwright_key(key))
        wait_until(lambda: page.evaluate("window.__nb.sent.length"), 10, f"{key} to be sent")
        sent = "".join(m[1] for m in map(json.loads, page.evaluate("window.__nb.sent")) if m[0] == "stdin")
        parser = XTermParser()
        events = list(parser.feed(sent)) + list(parser.tick())
        arrived[key] = [getattr(e, "key", "") for e in events] if key != "escape" else [sent]
        page.keyboard.press("Escape") if key == "f10" else None  # (close the export dialog again)
    expected = {k: (["\x1b"] if k == "escape" else [k]) for k in keys + ["ctrl+q"]}
    assert arrived == expected
    wait_until(lambda: lock_free(report), 30, "ctrl+q to end the session")


# -- login ----------------------------------------------------------------------------------
def _config_with_passwords(**passwords: str) -> str:
    from tui.weblogin import hash_password

    lines = "\n".join(f"{json.dumps(name, ensure_ascii=False)} = \"{hash_password(pw)}\"" for name, pw in passwords.items())
    return f"[serve.passwords]\n{lines}\n"


def _get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def test_on_another_address_the_login_refuses_a_wrong_password_and_admits_the_right_one(browser, served, tmp_path):
    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    server = served(str(report), host="0.0.0.0", config=_config_with_passwords(县政府办="正确的密码123", 教育局="another-pass"))
    status, text = _get(server.url)  # not logged in: the login page, nothing else
    assert status == 200 and 'name="password"' in text and "总述" not in text
    assert _get(server.url + "ws")[0] == 403  # nor the interface itself
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(RECORD_PAGE)
    page = ctx.new_page()
    page.goto(server.url)
    page.select_option("#name", "县政府办")
    page.fill("#password", "错误的密码")
    with page.expect_response(lambda r: r.url.endswith("/login")) as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 403
    assert page.locator("[role=alert]").inner_text() == "单位或密码不对，请重试"
    screenshot(page, tmp_path, "serve-login-refused")
    assert not ctx.cookies()
    page.select_option("#name", "县政府办")
    page.fill("#password", "正确的密码123")
    page.click("button[type=submit]")
    shown(page, "总述")  # the editor
    assert [c["name"] for c in ctx.cookies()] == ["nianbao_login"] and ctx.cookies()[0]["httpOnly"]
    ctx.close()
    wait_until(lambda: lock_free(report), 30, "the session to end")


def test_the_websocket_refuses_a_page_of_another_site(served, tmp_path):
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[web]')")
    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    server = served(str(report))
    status, text = _get(server.url + "ws", Origin="http://evil.example")
    assert status == 403 and "其他网站" in text


def _nianbao(tmp_path: Path, *args: str, config: str = "", stdin: str | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "NIANBAO_CONFIG": str(tmp_path / "config.toml")}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, input=stdin, timeout=60)


def test_another_address_without_passwords_is_refused_with_what_to_do(tmp_path):
    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    done = _nianbao(tmp_path, "serve", str(report), "--host", "0.0.0.0", "--port", str(_free_port()))
    assert done.returncode == 2
    assert "监听 0.0.0.0 时任何人都能连上" in done.stderr and "--hash-password" in done.stderr and "127.0.0.1" in done.stderr


def test_a_password_written_in_clear_is_refused_naming_the_unit(tmp_path):
    report = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, report)
    done = _nianbao(tmp_path, "serve", str(report), "--host", "0.0.0.0", config='[serve.passwords]\n"教育局" = "123456"\n')
    assert done.returncode == 2 and "'教育局' 不是 nianbao serve --hash-password 生成的散列" in done.stderr


def test_hash_password_gives_the_line_for_config_toml(tmp_path):
    from tui.weblogin import password_matches

    done = _nianbao(tmp_path, "serve", "--hash-password", "县政府办", stdin="一个足够长的登录密码\n")
    assert done.returncode == 0, done.stderr
    key, _, value = done.stdout.strip().partition(" = ")
    assert key == '"县政府办"' and password_matches("一个足够长的登录密码", json.loads(value))
    assert not password_matches("一个足够长的登录密码!", json.loads(value))
    assert "[serve.passwords]" in done.stderr
    assert _nianbao(tmp_path, "serve", "--hash-password", "x", stdin="short\n").returncode == 2


def test_serve_checks_its_target_before_listening(tmp_path):
    assert "文件不存在" in _nianbao(tmp_path, "serve", "none.toml").stderr
    (tmp_path / "county").mkdir()
    assert "其中没有 config.toml" in _nianbao(tmp_path, "serve", "county").stderr


def test_edit_and_the_headless_commands_never_import_the_web_server(tmp_path):
    """textual-serve and aiohttp are the web extra: nothing but ``nianbao serve`` loads them
    (nor the password hashing: ``--hash-password`` runs without them)."""
    script = f"""
import sys
from tui import cli
status = cli.main(["check", {str(EXAMPLE)!r}])
import tui.app, tui.screens.status
web = sorted(m for m in sys.modules if m.split(".")[0] in ("textual_serve", "aiohttp"))
print("WEB", web)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "NIANBAO_CONFIG": str(tmp_path / "none.toml")})
    assert "WEB []" in done.stdout, done.stdout + done.stderr


def test_every_key_a_browser_keeps_for_itself_has_another_that_it_lets_through():
    from tui.bindings import BROWSER_KEEPS, BROWSER_KEY_DISPLAY, key_name, make_bindings
    from tui.i18n import Translator
    from tui.screens.status import status_bindings

    kept = 0
    for b in make_bindings(Translator("zh")) + status_bindings(Translator("zh")):
        keys = b.key.split(",")
        if not set(keys) & BROWSER_KEEPS:
            continue
        kept += 1
        through = [k for k in keys if k not in BROWSER_KEEPS]
        assert through, f"{b.id}: only keys a browser keeps ({b.key})"
        if b.show and keys[0] in BROWSER_KEEPS:  # the footer shows it: by a key that works there
            assert BROWSER_KEY_DISPLAY.get(b.id, "").lower() in key_name(through[0]).lower(), b.id
    assert kept >= 2  # ctrl+n (新增) and ctrl+t (预览) at least
