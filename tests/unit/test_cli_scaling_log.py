"""A platform engineer reads the autoscaler's decisions from the shell: ``simulate
--scaling-log`` prints every decision of replication 0 (and puts them in ``--json``), so the KPA
can be checked against Knative's rules without the dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise

ARGS = [
    "article_1m_chat",
    "--set",
    "policy.routing.kind=cloud_only",
    "--set",
    "workload.requests_per_month=20000",
    "--set",
    "cloud.max_replicas=3",
    "--replications",
    "1",
    "--scaling-log",
]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner", "simulate", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_scaling_log_reads_as_knatives_kpa_from_the_shell() -> None:
    out = cli(*ARGS, "--json", "--no-timings")
    assert out.returncode == 0, out.stderr
    log = json.loads(out.stdout)["scaling_log"]
    assert log, "a KPA pool with min 0 and sparse traffic scales"
    for row in log:
        assert 0 <= row["to"] <= 3 and row["from"] != row["to"]
    for a, b in pairwise(log):
        if a["segment"] == b["segment"]:
            assert b["time_s"] >= a["time_s"]
            assert b["from"] == a["to"]  # each decision starts where the last one left the pool
    for row in log:
        if row["from"] == 0:  # from zero only the activator scales (a request arrived)
            assert row["reason"].startswith("activator")
        if row["to"] == 0:  # Knative: no traffic for the stable window, then the grace period
            assert "no traffic for the stable window" in row["reason"]
    text = cli(*ARGS)
    assert text.returncode == 0, text.stderr
    assert "scaling log (replication 0" in text.stdout
    assert "activator: request while at zero" in text.stdout
