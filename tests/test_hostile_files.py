"""Files that cannot hurt (issue #14 item 8): the hostile corpus written by
tests/data/hostile/make_hostile.py — binaries renamed .csv, UTF-16 without a BOM, mixed
encodings, unclosed quotes, 2,000 columns, duplicate headers, XXE and entity expansion, zip slip,
zip bombs declared and real, 20 MB cells, CR-only lines, units files that break the tree, … —
each refused with a clear Chinese message, the database byte-for-byte unchanged (content hashes),
and the big ones refused by a CLI process whose peak memory stays bounded (limits are checked
before parsing: the zip's central directory, the longest line, the header width).

The big files are refused one after another by the CLI's own main in one child process (its peak
memory is a high-water mark: under the bound after all of them means under it for each; the child
reads the database's content hashes after each refusal), and one of them by a real
`python -m gridboard ingest` process for its exit code and stderr."""

from __future__ import annotations

import json
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
# The child that refuses every big file in turn through gridboard.cli.main: argv = jobs.json, results.json.
# Per file: the exit code, stderr, and the database's content hashes after the refusal.
REFUSE_ALL = ("import contextlib, io, json, sys; sys.path.insert(0, 'tests')\n"
              "import duckdb\nfrom ingest_support import content_hash\nfrom gridboard import cli\n"
              "db, jobs = json.loads(open(sys.argv[1], encoding='utf-8').read())\nout = {}\n"
              "for name, path, table in jobs:\n"
              "    err = io.StringIO()\n"
              "    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):\n"
              "        code = cli.main(['ingest', '--db', db, '--table', table, path])\n"
              "    con = duckdb.connect(db, read_only=True)\n"
              "    out[name] = [code, err.getvalue(), content_hash(con)]\n"
              "    con.close()\n"
              "open(sys.argv[2], 'w', encoding='utf-8').write(json.dumps(out))\n")


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

    def peak_run(name: str, *args: str) -> tuple[int, float]:
        """`python ARGS` under the peak-memory wrapper: (exit code, peak RSS in MB); stderr in NAME.err."""
        peak = tmp_path / f"{name}.peak"
        with (tmp_path / f"{name}.out").open("wb") as o, (tmp_path / f"{name}.err").open("wb") as e:
            # The child runs under a small wrapper process that reports its peak memory: a child forked
            # straight from this (xdist worker) process would start its ru_maxrss at our size.
            proc = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, str(peak), sys.executable, *args], cwd=ROOT,
                                  stdout=o, stderr=e)
        return proc.returncode, int(peak.read_text()) / 1024

    # every big file refused by the CLI's main, one after another, in one bounded process
    jobs, results = tmp_path / "jobs.json", tmp_path / "results.json"
    jobs.write_text(json.dumps([str(db), [[n, str(p), t] for n, (p, t, _) in big_files.items()]]), encoding="utf-8")
    code, peak_mb = peak_run("all", "-c", REFUSE_ALL, str(jobs), str(results))
    assert code == 0, (tmp_path / "all.err").read_text(encoding="utf-8")  # no exception escaped main()
    assert peak_mb < PEAK_RSS_MB, ("all", peak_mb)
    got = json.loads(results.read_text(encoding="utf-8"))
    assert list(got) == list(big_files)
    for name, (_, _, fragment) in big_files.items():
        returncode, message, hashes = got[name]
        assert returncode == 2, (name, message)
        assert fragment in message and "Traceback" not in message, (name, message)
        assert hashes == before, name
    # and one through a real `python -m gridboard ingest` process
    name = "xlsx_bomb_sheet.xlsx"
    path, table, fragment = big_files[name]
    code, peak_mb = peak_run(name, "-m", "gridboard", "ingest", "--db", str(db), "--table", table, str(path))
    message = (tmp_path / f"{name}.err").read_text(encoding="utf-8")
    assert code == 2, (name, message)
    assert fragment in message and "Traceback" not in message, (name, message)
    assert peak_mb < PEAK_RSS_MB, (name, peak_mb)
    assert digest() == before, name


def test_utf16_with_bom_is_read(con):
    """Positive control: an odd but legal file loads (the limits do not refuse it)."""
    u16 = case_csv("H2,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,").decode().encode("utf-16")
    assert pipeline.ingest(con, u16, table="cases", file_name="u16.csv").new == 1


def test_limits_are_what_the_docs_say():
    assert limits.MAX_COLUMNS == 1_000 and limits.MAX_LINE_BYTES == 4 * 1024 * 1024
