"""Nothing leaves the intranet (issue #14 item 11), watched at the system-call level: the real server
(`streamlit run server.py` on every interface, as a county would run it, so Streamlit would look up
its external IP) starts under `strace -f -e trace=connect,sendto,sendmsg`, serves its health
routes, the login page and the wall, and is stopped; every socket address it connected or sent to
is a loopback or local (unix) one, and no DNS query went out. The control: the same watch around
Streamlit's own external-IP lookup (without server.py's setting) does see the outbound attempt."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import ROOT, free_port
from conftest import copy_db

STRACE = shutil.which("strace")
pytestmark = pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace)")
INET = re.compile(r"sa_family=AF_INET6?, sin6?_port=htons\((\d+)\), (?:sin_addr=inet_addr\(\"([^\"]+)\"\)|"
                  r"inet_pton\(AF_INET6, \"([^\"]+)\"[^)]*\))")
LOCAL = ("127.", "::1", "::ffff:127.", "0.0.0.0", "::")


def outbound(trace: Path) -> list[str]:
    """Internet socket addresses (host:port) in an strace log that are not on this machine's loopback,
    and every address on port 53 (a DNS query, wherever the resolver is)."""
    found = []
    for path in trace.parent.glob(trace.name + "*"):
        for line in path.read_text(errors="replace").splitlines():
            for m in INET.finditer(line):
                port, host = m.group(1), m.group(2) or m.group(3)
                if port == "53" or not host.startswith(LOCAL):
                    found.append(f"{host}:{port}")
    return sorted(set(found))


def traced(args: list[str], trace: Path, **kwargs) -> subprocess.Popen:
    """`args` under strace, every thread and child followed. --seccomp-bpf: the kernel stops the program
    only at the traced calls (without it strace stops at every system call, which costs more CPU than
    the server itself); the same calls are logged."""
    return subprocess.Popen([STRACE, "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect,sendto,sendmsg",
                             "-o", str(trace), *args], cwd=ROOT, **kwargs)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the traced program (strace itself would detach and leave it running), then wait."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    for pid in pids:
        os.kill(int(pid), signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        for pid in pids:
            os.kill(int(pid), signal.SIGKILL)
        proc.kill()
        proc.wait()


def test_the_watch_sees_streamlits_own_lookup(tmp_path: Path) -> None:
    trace = tmp_path / "control.trace"
    code = "from streamlit import net_util\nprint(repr(net_util.get_external_ip()))\n"
    proc = traced([sys.executable, "-c", code], trace, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.communicate(timeout=120)
    assert outbound(trace), "the watch saw no outbound attempt: it could not see one from the server either"


def test_the_server_starts_and_serves_without_any_outbound_request(small_db_file: Path, tmp_path: Path) -> None:
    db = copy_db(small_db_file, tmp_path, "county.duckdb")
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text(f'inbox_dir = "{tmp_path / "inbox"}"\n', encoding="utf-8")
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "GRIDBOARD_AUTH"}, "GRIDBOARD_DB": str(db),
           "GRIDBOARD_CONFIG": str(cfg), "GRIDBOARD_SESSION_KEY": str(tmp_path / "session.key")}
    trace = tmp_path / "server.trace"
    log = (tmp_path / "server.log").open("wb")
    # no --server.address: Streamlit listens on every interface and would look up its external IP
    proc = traced([sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"), "--server.port", str(port),
                   "--server.headless", "true"], trace, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            try:
                with urllib.request.urlopen(base + "/api/v1/health", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.5)  # polling another process's readiness: no event to wait on
        for path in ("/_stcore/health", "/", "/bigscreen", "/wall/outlines/grids.geojson"):
            with urllib.request.urlopen(base + path, timeout=30) as resp:
                assert resp.status == 200, path
    finally:
        stop(proc)
        log.close()
    text = (tmp_path / "server.log").read_text(errors="replace")
    assert "External URL" not in text and "Did not auto detect external IP" not in text
    assert outbound(trace) == []
