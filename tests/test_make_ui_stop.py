"""`make ui` stops cleanly: started for real (make, uv, dagster dev and its webserver, daemon
and code servers) on a free port with its own DAGSTER_HOME, then stopped by SIGTERM to make
(what `kill PID` or a supervisor sends), SIGINT to its process group (Ctrl-C) or SIGKILL to make
(nothing forwarded). It exits and leaves no process of its session behind, not even an unreaped
one."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.reliability


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session(sid: int) -> list[str]:
    """Processes of session ``sid`` (pid, state, command), zombies included."""
    out = subprocess.run(
        ["ps", "-o", "pid=,stat=,args=", "-s", str(sid)], capture_output=True, text=True
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("how", ["SIGTERM to make", "SIGINT to the group", "SIGKILL to make"])
def test_make_ui_stops_and_leaves_no_process(tmp_path, how):
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "WINNOW_WAREHOUSE": str(tmp_path / "w.duckdb"),
    }
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "ui", f"UI_PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own session: everything it starts is found by its sid
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "ui.log").read_text()
                assert time.monotonic() < deadline, "the UI did not come up"
                time.sleep(1)
        running = _session(proc.pid)
        assert any("dagster_webserver" in line for line in running), running
        assert any("dagster._daemon" in line for line in running), running

        if how == "SIGTERM to make":
            os.kill(proc.pid, signal.SIGTERM)
        elif how == "SIGKILL to make":  # make says nothing to anyone: Dagster still stops
            os.kill(proc.pid, signal.SIGKILL)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
        deadline = time.monotonic() + 90
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _session(proc.pid) == [], (tmp_path / "ui.log").read_text()[-3000:]
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
    finally:
        for line in _session(proc.pid):  # the test failed: leave nothing running
            os.kill(int(line.split()[0]), signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
