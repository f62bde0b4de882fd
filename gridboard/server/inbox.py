"""The inbox folder: an export job or an SFTP drop puts files there and the worker loads them.

A file is taken when it is complete, which its sender says with a marker: after writing
`cases__la311__0800.csv` it creates the empty file `cases__la311__0800.csv.done`. (A marker, not
a stable size: a stalled copy keeps a stable size too.) The name says where the file goes:
``TABLE__PRESET__anything.ext`` — TABLE a contract table (cases, units, volunteers,
volunteer_services, collective_economy), PRESET a mapping preset (la311, nyc311, …) or `auto`
for the headers' own names. Files whose name does not follow this are rejected with a report
that says so. After loading, the file moves to `loaded/` or `rejected/` with
`<name>.report.json` beside it; the marker is removed. Files still in the inbox when the server
stops are loaded after it starts again: the folder itself is the durable queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from pathlib import Path

from gridboard.core import schema
from gridboard.ingest.mapping import list_presets
from gridboard.server.worker import LOADED, REJECTED, SPOOL, Job, Worker, json_default

MARKER = ".done"
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


def parse_name(name: str) -> tuple[str, str | None]:
    """(table, preset or None for auto) from TABLE__PRESET__anything.ext; ValueError (English) if not."""
    parts = name.split("__")
    if len(parts) < 3:
        raise ValueError(f"file name {name!r} must look like TABLE__PRESET__anything.csv (e.g. cases__la311__0800.csv)")
    table, preset = parts[0], parts[1]
    if table not in schema.DATA_TABLES:
        raise ValueError(f"file name {name!r}: unknown table {table!r} (one of {', '.join(schema.DATA_TABLES)})")
    if preset != "auto" and preset not in {p["name"] for p in list_presets()}:
        raise ValueError(f"file name {name!r}: unknown mapping preset {preset!r} (or 'auto')")
    if not name.lower().endswith(SUFFIXES):
        raise ValueError(f"file name {name!r}: not a .csv, .txt, .tsv or .xlsx file")
    return table, None if preset == "auto" else preset


class Inbox:
    """Polls the inbox every `poll_seconds` and hands completed files to the worker."""

    def __init__(self, worker: Worker, folder: Path, poll_seconds: float = 2.0) -> None:
        self.worker = worker
        self.folder = Path(folder)
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="gridboard-inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):  # a share that comes and goes: try again next time
                self.scan()
            self._stop.wait(self.poll_seconds)

    def scan(self) -> int:
        """Queue every completed file not yet queued; returns how many were queued."""
        n = 0
        for marker in sorted(self.folder.glob("*" + MARKER)):
            path = marker.with_name(marker.name[: -len(MARKER)])
            if path.name.startswith(".") or path.parent.name in (LOADED, REJECTED, SPOOL):
                continue
            if not path.is_file():
                continue
            if self.worker.is_queued(path):
                continue
            try:
                table, preset = parse_name(path.name)
            except ValueError as exc:
                self._reject(path, str(exc))
                continue
            self.worker.submit(Job(table, preset, path.name, "inbox", origin="inbox", path=path))
            n += 1
        return n

    def _reject(self, path: Path, message: str) -> None:
        target = self.folder / REJECTED
        target.mkdir(parents=True, exist_ok=True)
        report = {"file": path.name, "outcome": "rejected", "error": message, "origin": "inbox",
                  "finished_at": dt.datetime.now().isoformat(timespec="seconds")}
        (target / f"{path.name}.report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1, default=json_default), encoding="utf-8")
        path.replace(target / path.name)
        path.with_name(path.name + MARKER).unlink(missing_ok=True)
