"""Every benchmark that ``make bench`` runs, run end to end at a tiny size (issue 17, item 1).

``make bench`` is not part of CI (it takes an hour), so nothing else notices when a change
breaks a benchmark: the side-by-side search run once crashed after four minutes, in its
analytics step. Here each one runs as ``python -m bench NAME`` would, with its own checks of
the results (a benchmark exits non-zero when its run went wrong, not when a target is
missed), and its table must carry the rows the issue asks for, with targets and verdicts.

Each runs with the test tools (pytest, Playwright, ...) unimportable, as ``make bench``
installs only the project and its ``bench`` extra: a benchmark that reached for one (bigrams
once loaded its corpus from a test module that imports pytest) fails here.

Not here: ``ckan`` (loads a real CKAN peer for minutes; tests/test_ckan_peer.py harvests
that peer) and ``relevance``, whose metrics have tests/test_bench_relevance.py and whose
judged collections are data, not code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# name, arguments (besides --out), the table file, rows the table must hold
RUNS = [
    (
        "search",
        ["--sizes", "1500", "--queries", "20", "--warmup", "4"],
        "search-both-1500.txt",
        ["rebuild: time", "search: service p95", "browse: service p95", "opensearch"],
    ),
    (
        "harvest",
        ["--sizes", "200"],
        "harvest-200.txt",
        [
            "run 1 (all new): throughput",
            "run 2 (all unchanged): throughput",
            "RSS growth",
            "floor: SQLite storing run 1's rows alone",
            "datasets replayed for the floor: 200;",
        ],
    ),
    (
        "harvest_sheets",
        ["--rows", "200"],
        "harvest-sheets-200.txt",
        [
            "streaming reader",
            "rows/s",
            "shared strings, compact store: peak RSS",
            "xlsx floor: SQLite storing run 1's rows alone",
        ],
    ),
    (
        "exports",
        ["--size", "40"],
        "exports-40.txt",
        ["/catalog.ttl page", "/catalog.jsonld", "/catalog.rdf"],
    ),
    (
        "pages",
        ["--size", "40", "--clients", "2", "--seconds", "2", "--warmup", "1"],
        "pages-2.txt",
        ["all pages", "dataset", "errors (must be 0)"],
    ),
    (
        "load",
        ["--size", "40", "--clients", "2", "--seconds", "2"],
        "load-2.txt",
        ["errors (must be 0)", "duplicates (must be 0)", "acknowledged creates lost"],
    ),
    ("accounts", ["--rounds", "1"], "accounts.txt", ["register", "login", "reset"]),
    # a comparison of rankings, no target: its table is printed, not written
    ("bigrams", [], None, ["opensearch, python bigrams", "opensearch, engine bigrams"]),
]
# setup.cfg's test extra that neither the project nor its bench extra brings
TEST_ONLY = ["pytest", "playwright", "schemathesis", "pyshacl", "mlcroissant", "aiosmtpd"]


def _without_test_tools(folder: Path) -> str:
    """A folder for PYTHONPATH whose sitecustomize makes the test tools unimportable."""
    folder.mkdir()
    blocked = "".join(f"sys.modules[{m!r}] = None\n" for m in TEST_ONLY)
    (folder / "sitecustomize.py").write_text(f"import sys\n{blocked}", encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(("name", "args", "table", "rows"), RUNS, ids=[r[0] for r in RUNS])
def test_benchmark_runs(
    name: str, args: list[str], table: str | None, rows: list[str], tmp_path: Path
) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join([_without_test_tools(tmp_path / "site"), str(ROOT)])
    out = ["--out", str(tmp_path / "out")] if table else []
    done = subprocess.run(
        [sys.executable, "-m", "bench", name, *args, *out],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    if table is None:
        text = done.stdout
    else:
        text = (tmp_path / "out" / table).read_text(encoding="utf-8")
        assert text in done.stdout  # the table printed is the one written
        header = text.splitlines()[0]
        assert "verdict" in header, header  # each target has its ok or MISS beside it
    for row in rows:
        assert row in text, f"{name}: no row {row!r} in\n{text}"
