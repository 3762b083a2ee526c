"""``nianbao serve`` in a browser against ``nianbao edit`` in a terminal, same machine, same
report, same size (the browser's 1280x800 page holds the terminal's columns and rows):

    .venv/bin/python bench/bench_web.py [--opens 5] [--keys 30] [--file REPORT.toml] [--json]

* **page to form**: from the browser starting to load the page (``performance.now()`` 0 of
  the navigation) to the moment the page receives the form's first drawing (the first
  field's label, 总述 or 报告信息, over the websocket), and to the moment the drawing has
  settled (nothing more for 0.3 s, that 0.3 s not counted). Headless chromium (Debian's,
  through Playwright), a new browser context each time (nothing cached), against the same
  ``nianbao serve``. The terminal's figure beside it: ``nianbao edit`` in a pseudo-terminal,
  from the fork to the same first drawing and settling, read on the pty.
* **keystroke to screen**: a letter typed at the start of the first prose field, the next
  one only once the previous is on screen. Browser: from the key's ``keydown`` in the page
  (Playwright's key press, the event's own time) to the websocket message that carries the
  line with it, and to the next animation frame after it (xterm.js draws on that frame).
  Terminal: from writing the key to the pty to reading the line with it back.

Figures only; nothing is asserted. Needs chromium and the test extra (playwright) and the
web extra (textual-serve).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NIANBAO = str(Path(sys.executable).parent / "nianbao")
CHROMIUM = os.environ.get("NIANBAO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--force-device-scale-factor=1"]
VIEWPORT = {"width": 1280, "height": 800}
READY = ("总述", "报告信息")  # the first prose field's label (example), or the metadata page's
LETTERS = "zqxjkvwzqxjkvw"  # typed in turn: none is next to another in the example's first field
SETTLE = 0.3

# In the page: when each websocket message arrived and what it said, the keydowns' times, and
# the animation frame after each message
PAGE_SCRIPT = """
(() => {
  const Real = window.WebSocket, decode = new TextDecoder();
  window.__nb = {out: "", messages: [], keys: []};
  window.WebSocket = function (url, protocols) {
    const ws = new Real(url, protocols);
    ws.addEventListener("message", e => {
      if (typeof e.data === "string") return;
      const at = performance.now(), text = decode.decode(new Uint8Array(e.data), {stream: true});
      const m = {at, text, frame: null, from: window.__nb.out.length};
      window.__nb.out += text;
      window.__nb.messages.push(m);
      requestAnimationFrame(() => { m.frame = performance.now(); });
    });
    return ws;
  };
  window.WebSocket.prototype = Real.prototype;
  document.addEventListener("keydown", e => window.__nb.keys.push(e.timeStamp), true);
})();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(samples), "median_ms": statistics.median(samples),
            "p90_ms": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], "max_ms": ordered[-1]}


# -- the browser ----------------------------------------------------------------------------------
def browser_figures(report: Path, opens: int, keys: int) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    server = subprocess.Popen([NIANBAO, "serve", str(report), "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _listening(port), 30)
        first, settled, latency, frame = [], [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in range(opens):
                ctx = browser.new_context(viewport=VIEWPORT)
                ctx.add_init_script(PAGE_SCRIPT)
                page = ctx.new_page()
                page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
                page.wait_for_function("r => r.some(t => window.__nb.out.includes(t))", arg=list(READY), timeout=60_000)
                _settle_page(page)
                times = page.evaluate("""r => {
                    const ms = window.__nb.messages;
                    const first = ms.find(m => r.some(t => window.__nb.out.slice(0, m.from + m.text.length).includes(t)));
                    return [first.at, ms[ms.length - 1].at];
                }""", list(READY))
                first.append(times[0])
                settled.append(times[1])
                if n == opens - 1:  # type in the last one
                    page.focus(".xterm-helper-textarea")
                    for i in range(keys):
                        letter = LETTERS[i % len(LETTERS)]
                        before = page.evaluate("window.__nb.messages.length")
                        page.keyboard.press(letter)
                        typed = "".join(LETTERS[j % len(LETTERS)] for j in range(max(0, i - 3), i + 1))
                        page.wait_for_function(
                            "([n, t]) => window.__nb.messages.slice(n).some(m => m.text.includes(t) && m.frame !== null)",
                            arg=[before, typed], timeout=30_000)
                        key_at, msg_at, frame_at = page.evaluate(
                            """([n, t]) => { const m = window.__nb.messages.slice(n).find(m => m.text.includes(t));
                                             return [window.__nb.keys[window.__nb.keys.length - 1], m.at, m.frame]; }""",
                            [before, typed])
                        latency.append(msg_at - key_at)
                        frame.append(frame_at - key_at)
                ctx.close()
            browser.close()
        return {"page_to_first_drawing": stats(first), "page_to_settled": stats(settled),
                "key_to_message": stats(latency), "key_to_frame": stats(frame)}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(60)


def _settle_page(page) -> None:
    last, since = -1, time.monotonic()
    while True:
        n = page.evaluate("window.__nb.out.length")
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= SETTLE:
            return
        page.wait_for_timeout(20)


def browser_terminal_size(report: Path) -> tuple[int, int]:
    """Columns and rows xterm.js gives a 1280x800 page (the terminal is opened at that size)."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen([NIANBAO, "serve", str(report), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _listening(port), 30)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            with page.expect_websocket(timeout=30_000) as opened:
                page.goto(f"http://127.0.0.1:{port}/")
            url = opened.value.url
            browser.close()
        from urllib.parse import parse_qs, urlsplit

        query = parse_qs(urlsplit(url).query)
        return int(query["width"][0]), int(query["height"][0])
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(60)


# -- the terminal ---------------------------------------------------------------------------------
class Terminal:
    """``nianbao edit`` in a pseudo-terminal of the given size, its output read by the caller."""

    def __init__(self, report: Path, size: tuple[int, int]):
        self.start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the operator's session
            os.environ.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
            os.chdir(ROOT)
            os.execv(NIANBAO, [NIANBAO, "edit", str(report)])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.chunks: list[tuple[float, int]] = []  # (time read, length of output after it)

    def read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.fd, 1 << 16)
        self.output += chunk
        self.chunks.append((time.perf_counter(), len(self.output)))
        return True

    def until(self, predicate, timeout: float = 60.0) -> float:
        end = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > end:
                raise SystemExit("bench_web: the terminal did not show what was waited for")
            self.read(0.05)
        return time.perf_counter()

    def settle(self) -> float:
        """When the output last changed before a quiet SETTLE seconds."""
        while self.read(SETTLE):
            pass
        return self.chunks[-1][0]

    def quit(self) -> None:
        os.write(self.fd, b"\x11")  # ctrl+q
        try:
            self.until(lambda: False, 10)
        except (SystemExit, OSError):
            pass
        with_status = os.waitpid(self.pid, os.WNOHANG)
        if with_status[0] == 0:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def terminal_figures(report: Path, opens: int, keys: int, size: tuple[int, int]) -> dict:
    first, settled, latency = [], [], []
    ready = [t.encode() for t in READY]
    for n in range(opens):
        term = Terminal(report, size)
        drawn = term.until(lambda t=term: any(r in t.output for r in ready))
        first.append((drawn - term.start) * 1000)
        settled.append((term.settle() - term.start) * 1000)
        if n == opens - 1:
            for i in range(keys):
                letter = LETTERS[i % len(LETTERS)]
                typed = "".join(LETTERS[j % len(LETTERS)] for j in range(max(0, i - 3), i + 1)).encode()
                seen_from = len(term.output)
                sent = time.perf_counter()
                os.write(term.fd, letter.encode())
                term.until(lambda t=term, typed=typed, n=seen_from: typed in t.output[n:], 30)
                latency.append((term.chunks[-1][0] - sent) * 1000)
        term.quit()
    return {"edit_to_first_drawing": stats(first), "edit_to_settled": stats(settled), "key_to_screen": stats(latency)}


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit("bench_web: timed out")
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--opens", type=int, default=5, help="page opens and terminal start-ups (default 5)")
    p.add_argument("--keys", type=int, default=30, help="keystrokes per latency figure (default 30)")
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if CHROMIUM is None:
        raise SystemExit("bench_web: chromium is not installed (NIANBAO_CHROMIUM=PATH names one)")
    with tempfile.TemporaryDirectory() as tmp:
        web_copy, term_copy = Path(tmp) / "web.toml", Path(tmp) / "term.toml"
        shutil.copy(args.file, web_copy)
        shutil.copy(args.file, term_copy)
        size = browser_terminal_size(web_copy)
        web = browser_figures(web_copy, args.opens, args.keys)
        term = terminal_figures(term_copy, args.opens, args.keys, size)
    result = {"file": args.file, "size": size, "browser": web, "terminal": term,
              "ratio_key": web["key_to_message"]["median_ms"] / term["key_to_screen"]["median_ms"],
              "ratio_ready": web["page_to_settled"]["median_ms"] / term["edit_to_settled"]["median_ms"]}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"nianbao serve (headless chromium) against nianbao edit (pty), {Path(args.file).name}, {size[0]}x{size[1]}")
    print(f"{'':44}{'median':>9}{'p90':>9}{'max':>9}  (ms)")
    rows = [("browser: page load to the form's first drawing", web["page_to_first_drawing"]),
            ("browser: page load to the form settled", web["page_to_settled"]),
            ("terminal: start to the form's first drawing", term["edit_to_first_drawing"]),
            ("terminal: start to the form settled", term["edit_to_settled"]),
            ("browser: keydown to the line on the websocket", web["key_to_message"]),
            ("browser: keydown to the frame that draws it", web["key_to_frame"]),
            ("terminal: key written to the line read back", term["key_to_screen"])]
    for label, s in rows:
        print(f"{label:<48}{s['median_ms']:5.0f}{s['p90_ms']:9.0f}{s['max_ms']:9.0f}")
    print(f"ratios browser/terminal: form ready {result['ratio_ready']:.2f}x, keystroke {result['ratio_key']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
