"""Plugin code that misbehaves is contained (plugins/host/guard.py): whatever it raises, exits,
prints, loops or allocates, that plugin's part is disabled with the reason and the rest runs.

The command-line tests run ``nianbao`` in a child process, as an operator would: signals,
file descriptor 1 and the address-space limit are the process's own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from plugins.host import guard

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "plugins" / "hostile"
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"


# -- the guarded call ---------------------------------------------------------------------------
def test_anything_raised_becomes_a_plugin_error():
    for fn, reason in ((lambda: 1 / 0, "ZeroDivisionError: division by zero"), (lambda: sys.exit(0), "调用了 sys.exit(0)"),
                       (lambda: sys.exit("bye"), "调用了 sys.exit('bye')")):
        with pytest.raises(guard.PluginError) as info:
            guard.call(fn)
        assert str(info.value) == reason
        assert "Traceback" in info.value.detail
    assert guard.call(lambda x, y=0: x + y, 1, y=2) == 3


def test_keyboard_interrupt_without_the_handler_is_the_operators():
    """Outside a headless command (no handler of ours), a KeyboardInterrupt in the main
    thread cannot be told from the operator's Ctrl+C: it stops as Python would. In another
    thread no signal arrives: it is the plugin's."""
    def interrupt():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        guard.call(interrupt)
    caught = []

    def worker():
        try:
            guard.call(interrupt)
        except guard.PluginError as exc:
            caught.append(str(exc))

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert caught == ["自行引发了 KeyboardInterrupt"]


def test_contained_tells_ctrl_c_from_a_plugins_interrupt_and_puts_everything_back():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGALRM)

    def interrupt():
        raise KeyboardInterrupt

    with guard.contained(time_limit=5):
        with pytest.raises(guard.PluginError, match="KeyboardInterrupt"):
            guard.call(interrupt)
        with pytest.raises(guard.Interrupted):  # the operator's: passes through
            guard.call(lambda: os.kill(os.getpid(), signal.SIGINT) or time.sleep(5))
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGALRM)) == before


def test_contained_time_limit_stops_a_loop():
    def loop():
        while True:
            pass

    with guard.contained(time_limit=0.2):
        with pytest.raises(guard.PluginError, match="超过时限：运行 0.2 秒仍未结束"):
            guard.call(lambda: time.sleep(30))
        with pytest.raises(guard.PluginError, match="超过时限"):
            guard.call(loop)
        assert guard.call(lambda: "in time") == "in time"
        time.sleep(0.3)  # the timer of the calls above is stopped: nothing fires any more
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_contained_memory_limit_is_put_back():
    resource = pytest.importorskip("resource")
    before = resource.getrlimit(resource.RLIMIT_AS)
    with guard.contained(memory_mb=4096):
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        assert soft == 4096 * 1024 * 1024 or (before[0] != resource.RLIM_INFINITY and soft == before[0])
    assert resource.getrlimit(resource.RLIMIT_AS) == before


# -- nianbao check with a hostile plugin, in a child process ------------------------------------------
def nianbao(tmp_path: Path, mode: str, *argv: str, time_limit: float = 2, memory_mb: int = 1024,
            mark: Path | None = None, wait: bool = True):
    config = tmp_path / "config.toml"
    config.write_text(f'[plugins]\nfolders = ["{HOSTILE.as_posix()}"]\ntime_limit = {time_limit}\n'
                      f"memory_limit = {memory_mb}\n", encoding="utf-8")
    env = {**os.environ, "NIANBAO_HOSTILE": mode, "PYTHONPATH": str(ROOT)}
    env.pop("NIANBAO_SAFE_MODE", None)
    if mark is not None:
        env["NIANBAO_HOSTILE_MARK"] = str(mark)
    cmd = [sys.executable, "-m", "tui", "--config", str(config), *argv]
    if not wait:
        return subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # (the timeout only keeps a regression from hanging the suite; nothing is timed)
    return subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def hostile_issue(doc: dict) -> dict:
    [issue] = [i for i in doc["files"][0]["issues"] if i["plugin"] == "hostile"]
    assert issue["rule"] == "PLUGIN" and issue["severity"] == "error"
    return issue


@pytest.mark.parametrize("mode, reason", [
    ("exit", "调用了 sys.exit(0)"),
    ("interrupt", "自行引发了 KeyboardInterrupt"),
    ("loop", "超过时限：运行 2 秒仍未结束（config.toml [plugins] time_limit）"),
    ("sleep", "超过时限"),
    ("alloc", "内存不足（超过 config.toml [plugins] memory_limit = 512 MB）"),
])
def test_check_json_survives_a_hostile_check(tmp_path, mode, reason):
    # (filling memory may take longer than 2 s on a loaded machine: not what is tested there)
    limits = {"time_limit": 60, "memory_mb": 512} if mode == "alloc" else {}
    proc = nianbao(tmp_path, mode, "check", "--json", str(EXAMPLE), **limits)
    doc = json.loads(proc.stdout)  # the whole of stdout is the JSON document
    issue = hostile_issue(doc)
    assert issue["message"].startswith("插件 hostile 在检查「hostile」时出错：" + reason)
    assert proc.returncode == doc["status"] == 4  # the broken check: a plugin failed while checking
    # the rest was checked: everything the same report gets without the hostile plugin
    baseline = json.loads(nianbao(tmp_path, "", "check", "--json", str(EXAMPLE)).stdout)
    assert [i for i in doc["files"][0]["issues"] if i["plugin"] != "hostile"] == baseline["files"][0]["issues"]
    assert "Traceback" not in proc.stderr


def test_plugin_output_never_reaches_json(tmp_path):
    proc = nianbao(tmp_path, "print", "check", "--json", str(EXAMPLE))
    doc = json.loads(proc.stdout)
    assert proc.returncode == doc["status"] and not [i for i in doc["files"][0]["issues"] if i["plugin"] == "hostile"]
    assert "hello from a plugin" in proc.stderr and "raw bytes from a plugin" in proc.stderr
    proc = nianbao(tmp_path, "print", "export", str(EXAMPLE), "--to", "md")
    assert proc.returncode == 0 and "# 建瓯市人民政府办公室关于" in proc.stdout and "plugin" not in proc.stdout
    assert "hello from a plugin" in proc.stderr


def test_a_loop_that_catches_every_interrupt_ends_the_command(tmp_path):
    """``except BaseException`` in a loop: interrupted three times, caught each time; the
    command ends with the plugin's module named rather than hang."""
    proc = nianbao(tmp_path, "swallow", "check", "--json", str(EXAMPLE), time_limit=1)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "插件代码（nianbao_local.hostile）运行超过 1 秒，中断2次都被它捕获，无法停止，命令已终止" in proc.stderr


def test_text_output_of_check_names_the_plugin(tmp_path):
    proc = nianbao(tmp_path, "loop", "check", str(EXAMPLE), time_limit=1)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    assert "插件 hostile 在检查「hostile」时出错：超过时限：运行 1 秒仍未结束" in proc.stdout
    assert proc.stdout.endswith("检查不完整：有插件没有运行或出错，它的规则没有检查（退出码 4；nianbao plugins 查看详情）\n")


def test_ctrl_c_still_stops_the_command(tmp_path):
    mark = tmp_path / "started"
    proc = nianbao(tmp_path, "sleep", "check", "--json", str(EXAMPLE), time_limit=0, mark=mark, wait=False)
    try:
        for _ in range(600):
            if mark.exists():
                break
            time.sleep(0.1)
        assert mark.exists(), proc.stderr.read() if proc.poll() is not None else "the check never started"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err
