"""``nianbao serve``: the same interface in a web browser, through textual-serve.

Every browser tab is a terminal: its websocket starts one ``nianbao edit`` (or ``nianbao
status --tui``) process under Textual's web driver (textual-serve's :class:`AppService`), which
takes the report's lock as a terminal session does, so a second tab, or a second browser,
gets the read-only view. Closing the tab is a hang-up: the process gets SIGHUP, the same
save-and-leave path as a dropped SSH connection (``tui.workarounds``), and is waited for.

Safe by default: it listens on 127.0.0.1. Any other address needs ``[serve.passwords]`` in
config.toml (one password per office or unit, stored hashed: :mod:`tui.weblogin`), or a
reverse proxy with TLS and its own login in front of a loopback address (README). The
websocket also refuses pages of another site (a page the operator happens to visit must
not be able to type into the report through ``ws://127.0.0.1``).

Imported only by ``nianbao serve``: textual-serve and aiohttp are the ``nianbao[web]``
extra, and neither ``nianbao edit`` nor a headless command imports them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import secrets
import shlex
import signal
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

import jinja2
import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from .weblogin import UNIT_PAGE, is_password_hash, password_matches

__all__ = ["WebServer", "is_loopback", "serve"]

log = logging.getLogger("nianbao.serve")

COOKIE = "nianbao_login"
LOGIN_HOURS = 12  # a login lasts a working day
WRONG_PASSWORD_DELAY = 1.0  # seconds before a refused login is answered: guessing is slow
END_GRACE = 5.0  # seconds a hung-up session gets to save and end before it is killed (after its own watchdog)
STATIC = Path(textual_serve.__file__).parent / "static"  # xterm.js and textual.js, as textual-serve ships them
PAGES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "web"), autoescape=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TabSession(AppService):
    """One browser tab's interface process; its end is a hang-up, as a terminal's is."""

    async def stop(self) -> None:
        process = self._process  # (textual-serve 1.1.3, pinned: the process it started)
        if process is not None and process.returncode is None:
            with suppress(ProcessLookupError):
                process.send_signal(signal.SIGHUP)  # save, release the lock, end (tui.app's hang-up)
        await super().stop()
        if process is None:
            return
        try:
            await asyncio.wait_for(process.wait(), END_GRACE)
        except asyncio.TimeoutError:  # its own watchdog has already had its chance to save
            log.error("会话进程 %s 在挂断后 %s 秒仍未结束，已终止", process.pid, END_GRACE)
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()


class WebServer:
    """The aiohttp application: the page, the login, one websocket per tab, downloads."""

    def __init__(self, command: Callable[[str | None], list[str] | None], *, title: str,
                 passwords: dict[str, str] | None = None, login: bool = False):
        #: what a tab runs: ``command(None)`` at ``/``; ``command(unit)`` at ``/unit/<unit>/``
        #: (a county folder: the unit's report, opened from the status screen), None: no such unit
        self.command = command
        self.title = title
        self.passwords = dict(passwords or {})
        self.login = login
        self.logins: dict[str, tuple[str, float]] = {}  # token -> (office or unit, expiry)
        self.downloads = DownloadManager()
        self.sessions: set[TabSession] = set()

    # -- login ---------------------------------------------------------------------------
    def who(self, request: web.Request) -> str | None:
        """The office or unit logged in on this request ("" when no login is needed)."""
        if not self.login:
            return ""
        token = request.cookies.get(COOKIE, "")
        entry = self.logins.get(token)
        if entry is None or entry[1] < time.time():
            self.logins.pop(token, None)
            return None
        return entry[0]

    async def login_page(self, request: web.Request, message: str = "", status: int = 200) -> web.Response:
        page = PAGES.get_template("login.html").render(title=self.title, names=sorted(self.passwords), message=message)
        return web.Response(text=page, content_type="text/html", status=status)

    async def handle_login(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            return await self.login_page(request)
        form = await request.post()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        stored = self.passwords.get(name)
        if stored is None or not await asyncio.to_thread(password_matches, password, stored):
            log.warning("登录失败：%r，来自 %s", name, request.remote)
            await asyncio.sleep(WRONG_PASSWORD_DELAY)
            return await self.login_page(request, "单位或密码不对，请重试", status=403)
        token = secrets.token_urlsafe(32)
        self.logins[token] = (name, time.time() + LOGIN_HOURS * 3600)
        log.info("%s 已登录，来自 %s", name, request.remote)
        response = web.HTTPSeeOther("/")
        response.set_cookie(COOKIE, token, max_age=LOGIN_HOURS * 3600, httponly=True, samesite="Strict",
                            secure=request.secure, path="/")
        raise response

    async def handle_logout(self, request: web.Request) -> web.Response:
        self.logins.pop(request.cookies.get(COOKIE, ""), None)
        response = web.HTTPSeeOther("/login")
        response.del_cookie(COOKIE, path="/")
        raise response

    # -- the page ------------------------------------------------------------------------
    def _command(self, request: web.Request) -> str:
        unit = request.match_info.get("unit")
        command = self.command(unit)
        if command is None:
            raise web.HTTPNotFound(text=f"没有这个单位的报告：{unit}")
        return "exec " + shlex.join(command)  # (exec: the signals reach the app, not a shell)

    async def handle_index(self, request: web.Request) -> web.Response:
        if self.who(request) is None:
            raise web.HTTPSeeOther("/login")
        self._command(request)  # (an unknown unit: said now, not by a tab that closes at once)
        unit = request.match_info.get("unit")
        page = PAGES.get_template("index.html").render(title=f"{unit} · {self.title}" if unit else self.title,
                                                       login=self.login, back=unit is not None,
                                                       font_size=_int(request.query.get("fontsize"), 16))
        return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})

    @staticmethod
    def same_site(request: web.Request) -> bool:
        """A websocket opened by this server's own page (browsers always send Origin)."""
        origin = request.headers.get("Origin")
        return origin is None or urlsplit(origin).netloc == request.host

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if self.who(request) is None:
            raise web.HTTPForbidden(text="请先登录")
        if not self.same_site(request):
            log.warning("拒绝了来自其他网站的连接：%s", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="不接受其他网站的页面连接")
        command = self._command(request)
        websocket = web.WebSocketResponse(heartbeat=15)  # a browser gone without a word is a hang-up too
        await websocket.prepare(request)

        async def close() -> None:  # (the app ended by itself: ctrl+q)
            await websocket.close()

        session = TabSession(command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                             close=close, download_manager=self.downloads)
        self.sessions.add(session)
        try:
            await session.start(_int(request.query.get("width"), 80), _int(request.query.get("height"), 24))
            await self._relay(websocket, session)
        finally:
            try:
                await session.stop()
            finally:
                self.sessions.discard(session)
        return websocket

    @staticmethod
    async def _relay(websocket: web.WebSocketResponse, session: TabSession) -> None:
        """What the page sends: keys (xterm.js's bytes), its size, focus; until it closes."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, *rest = json.loads(message.data)
            except (ValueError, TypeError):
                continue
            payload = rest[0] if rest else None
            if kind == "stdin" and isinstance(payload, str):
                await session.send_bytes(payload.encode("utf-8"))
            elif kind == "resize" and isinstance(payload, dict):
                await session.set_terminal_size(_int(payload.get("width"), 80), _int(payload.get("height"), 24))
            elif kind == "ping":
                await websocket.send_json(["pong", payload])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """An export the interface delivers (``App.deliver_binary``) to the browser's downloads."""
        if self.who(request) is None:
            raise web.HTTPForbidden(text="请先登录")
        key = request.match_info["key"]
        try:
            meta = await self.downloads.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="没有这个下载（可能已经下载过）") from None
        content_type = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        how = "inline" if meta.open_method == "browser" else "attachment"
        # A Chinese file name as RFC 6266 says (filename*), an ASCII one for old clients
        fallback = meta.file_name.encode("ascii", "replace").decode("ascii").replace('"', "_").replace("?", "_")
        response = web.StreamResponse(headers={
            "Content-Type": content_type,
            "Content-Disposition": f"{how}; filename=\"{fallback}\"; filename*=UTF-8''{quote(meta.file_name)}",
        })
        await response.prepare(request)
        async for chunk in self.downloads.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def _hang_up_all(self, app: web.Application) -> None:
        """The server stops (ctrl+c, SIGTERM): every tab's session saves and ends."""
        await asyncio.gather(*(s.stop() for s in list(self.sessions)), return_exceptions=True)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.add_routes([
            web.get("/", self.handle_index),
            web.get("/login", self.handle_login),
            web.post("/login", self.handle_login),
            web.get("/logout", self.handle_logout),
            web.get("/ws", self.handle_websocket),
            web.get(UNIT_PAGE.format(unit="{unit}"), self.handle_index),  # (tui.status opens these)
            web.get(UNIT_PAGE.format(unit="{unit}") + "ws", self.handle_websocket),
            web.get("/download/{key}", self.handle_download),
            web.static("/static", STATIC),
        ])
        app.on_shutdown.append(self._hang_up_all)
        return app


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def check_passwords(passwords: dict[str, str], where: str) -> list[str]:
    """Problems with ``[serve.passwords]``: a value that is not a hash (a password written in
    clear is never compared with what is typed)."""
    return [f"{where} [serve.passwords] {name!r} 不是 nianbao serve --hash-password 生成的散列"
            "（不要把密码原文写在配置文件中）" for name, value in passwords.items() if not is_password_hash(value)]


def serve(command: Callable[[str | None], list[str] | None], *, host: str, port: int, title: str, passwords: dict[str, str],
          announce: str) -> int:
    """Runs the server until ctrl+c or SIGTERM (every session saved and ended first)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    server = WebServer(command, title=title, passwords=passwords, login=not is_loopback(host))
    sys.stdout.write(announce + "\n")
    sys.stdout.flush()
    web.run_app(server.make_app(), host=host, port=port, print=None, access_log=None)
    return 0
