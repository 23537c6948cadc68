"""The operator's commands: `catalog harvest run|add|list|jobs|show|cancel|release`."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import FAST

from catalog.services import datasets
from catalog.services.authz import SYSTEM
from cli import main


def _summary(out: str) -> str:
    """The run's summary line (progress bars write to standard error, with carriage returns)."""
    return next(
        line for line in out.splitlines() if re.match(r"^(done|done_with_errors|failed):", line)
    )


@pytest.fixture
def cli(tmp_path, monkeypatch, cat):
    monkeypatch.setenv("CATALOG_INSTANCE", str(cat.settings.instance_path))
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        """Exit code and output (standard output first, then standard error)."""
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout + result.stderr

    return run


def test_run_by_kind_and_url_then_again_prints_zero_new(cli, server):
    url = server.url("files/datajson/us-agencies/consumerfinance.json")
    args = ["harvest", "run", "--kind", "datajson", "--url", url, "--config", json.dumps(FAST)]
    code, out = cli(*args)
    assert code == 0
    assert _summary(out) == "done: 11 new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    code, out = cli(*args)
    assert _summary(out) == "done: 0 new, 0 updated, 11 unchanged, 0 withdrawn, 0 errors"
    code, out = cli("harvest", "list")
    assert "11 datasets, review" in out and "job 2 done" in out
    code, out = cli("harvest", "jobs")
    assert out.splitlines()[0].startswith("#2 harvest source=1 done")
    code, out = cli(
        "harvest",
        "run",
        "datajson-127-0-0-1-"
        + url.split(":")[2].split("/")[0]
        + "-files-datajson-us-agencies-consumerfinance-json",
    )
    assert code == 0 and "0 new" in out


def test_named_source_failures_and_show(cli, server, cat):
    code, out = cli(
        "harvest",
        "add",
        "broken",
        "--kind",
        "datajson",
        "--url",
        server.url("fault/500"),
        "--config",
        json.dumps(FAST),
    )
    assert code == 0 and "added source broken" in out
    code, out = cli("harvest", "run", "broken")
    assert code == 1
    assert _summary(out) == "failed: 0 new, 0 updated, 0 unchanged, 0 withdrawn, 1 errors"
    code, out = cli("harvest", "show", "1")
    assert "[gather]" in out and "HTTP 500" in out
    code, out = cli("harvest", "add", "bad", "--kind", "nope", "--url", "x")
    assert code == 1 and "Unknown kind 'nope'" in out
    code, out = cli("harvest", "run", "--kind", "datajson")
    assert code == 2  # usage error


def test_queue_cancel_and_release(cli, server, cat):
    url = server.url("files/datajson/us-agencies/consumerfinance.json")
    cli(
        "harvest",
        "run",
        "--kind",
        "datajson",
        "--url",
        url,
        "--trusted",
        "--config",
        json.dumps(FAST),
    )
    code, out = cli("harvest", "run", "--kind", "datajson", "--url", url, "--queue")
    assert out.startswith("queued job 2")
    code, out = cli("harvest", "cancel", "2")
    assert code == 0 and "job 2 cancelled" in out
    datasets.update_dataset(cat, SYSTEM, "consumer-complaint-database", {"title": "投诉"})
    code, out = cli("harvest", "release", "consumer-complaint-database", "title")
    assert code == 0
    code, out = cli("harvest", "run", "--kind", "datajson", "--url", url)
    assert "1 updated" in out
    assert (
        datasets.get_dataset(cat, SYSTEM, "consumer-complaint-database").title
        == "Consumer Complaint Database"
    )
