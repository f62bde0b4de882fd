"""The load test's own server (tools/loadtest.py): a free port in 8660-8679 on 127.0.0.1,
`streamlit run server.py` started on a copy of the database with the run's own config, waited for
on /api/v1/health, sampled every second (VmRSS and CPU time of its process, the load average) and
stopped. Nothing here listens beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8660, 8680)


def get_json(url: str, token: str | None = None) -> dict[str, Any]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def free_port() -> int:
    import socket

    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class Sampler(threading.Thread):
    """VmRSS and CPU time of one process and the 1-minute load average, every second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.rss_kb, self.load, self.cpu_s = pid, [], [], []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.rss_kb.append(int(line.split()[1]))
            except OSError:
                pass
            self.load.append(os.getloadavg()[0])
            try:  # utime + stime of the server process (fields 14 and 15 of /proc/PID/stat), seconds
                fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
                self.cpu_s.append((time.monotonic(), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")))
            except (OSError, IndexError, ValueError):
                pass
            self.stop.wait(1.0)


def start_server(work: Path, db: Path, cfg: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "GRIDBOARD_AUTH"}
    env.update({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg),
                "GRIDBOARD_SESSION_KEY": str(work / "session.key")})
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if get_json(url + "/api/v1/health").get("status") == "ok":
                return proc
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError(f"server not ready in 120 s: {log.read_text()[-2000:]}")
        time.sleep(0.5)  # polling another process's readiness: no event to wait on


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

# --- the run -------------------------------------------------------------------------------------
