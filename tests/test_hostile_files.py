"""Files that cannot hurt (issue #14 item 8): the hostile corpus written by
tests/data/hostile/make_hostile.py — binaries renamed .csv, UTF-16 without a BOM, mixed
encodings, unclosed quotes, 2,000 columns, duplicate headers, XXE and entity expansion, zip slip,
zip bombs declared and real, 20 MB cells, CR-only lines, units files that break the tree, … —
each refused with a clear Chinese message, the database byte-for-byte unchanged (content hashes),
and the big ones refused by a CLI process whose peak memory stays bounded (limits are checked
before parsing: the zip's central directory, the longest line, the header width)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_support import case_csv, content_hash, small_county

from gridboard.ingest import limits, pipeline

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "hostile"
sys.path.insert(0, str(HOSTILE))
import make_hostile  # noqa: E402

make_hostile.small(HOSTILE)  # regenerates the committed files byte for byte (the test below checks)
SMALL = dict(make_hostile.EXPECTED)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PEAK_WRAPPER = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[2:]).returncode; "
                "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
                "sys.exit(code)")
PEAK_RSS_MB = 400  # a CLI process refusing a bomb (Python, DuckDB, pandas loaded: ~160 MB) stays under this


def test_the_corpus_has_at_least_40_files_and_is_small():
    assert len(SMALL) >= 40
    files = [p for p in HOSTILE.iterdir() if p.name in SMALL]
    assert len(files) == len(SMALL)
    assert sum(p.stat().st_size for p in files) < 600_000


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    folder = tmp_path_factory.mktemp("hostile_big")
    # built in a child process: the test process stays small (its children's peak memory is measured)
    done = subprocess.run([sys.executable, str(HOSTILE / "make_hostile.py"), "--big", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = {}
    for line in (folder / "expected.tsv").read_text(encoding="utf-8").splitlines():
        name, table, fragment = line.split("\t")
        if name not in SMALL:
            out[name] = (folder / name, table, fragment)
    return out


@pytest.fixture
def con(tmp_path: Path):
    c = small_county(tmp_path / "db.duckdb")
    yield c
    c.close()


def refused(con, path: Path, table: str) -> str:
    """The refusal message; fails when anything was loaded."""
    try:
        report = pipeline.ingest(con, path, table=table, file_name=path.name)
    except pipeline.IngestError as exc:
        return str(exc)
    assert report.rows_accepted == 0 and report.outcome == "rejected", report.describe()
    return "；".join(p["message"] for p in report.problem_summary)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_each_hostile_file_is_refused_and_changes_nothing(con, name):
    table, fragment = SMALL[name]
    before = content_hash(con)
    message = refused(con, HOSTILE / name, table)
    assert CHINESE.search(message) and fragment in message, message
    assert "Traceback" not in message and len(message) < 600
    assert content_hash(con) == before


def test_big_hostile_files_are_refused_before_parsing_with_bounded_memory(big_files, tmp_path):
    db = tmp_path / "big.duckdb"
    small_county(db).close()
    import duckdb

    def digest() -> dict[str, str]:
        c = duckdb.connect(str(db), read_only=True)
        try:
            return content_hash(c)
        finally:
            c.close()

    before = digest()
    assert len(big_files) >= 5
    for name, (path, table, fragment) in big_files.items():
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        peak = tmp_path / f"{name}.peak"
        with out.open("wb") as o, err.open("wb") as e:
            # The CLI runs under a small wrapper process that reports its child's peak memory: a child
            # forked straight from this (xdist worker) process would start its ru_maxrss at our size.
            proc = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, str(peak), sys.executable, "-m", "gridboard",
                                   "ingest", "--db", str(db), "--table", table, str(path)], cwd=ROOT, stdout=o, stderr=e)
        message = err.read_text(encoding="utf-8")
        assert proc.returncode == 2, (name, message)
        assert fragment in message and "Traceback" not in message, (name, message)
        peak_kb = int(peak.read_text())
        assert peak_kb / 1024 < PEAK_RSS_MB, (name, peak_kb)
        assert digest() == before, name


def test_utf16_with_bom_is_read(con):
    """Positive control: an odd but legal file loads (the limits do not refuse it)."""
    u16 = case_csv("H2,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,").decode().encode("utf-16")
    assert pipeline.ingest(con, u16, table="cases", file_name="u16.csv").new == 1


def test_limits_are_what_the_docs_say():
    assert limits.MAX_COLUMNS == 1_000 and limits.MAX_LINE_BYTES == 4 * 1024 * 1024
