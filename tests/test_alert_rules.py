"""The Prometheus alerting rules shipped in deploy/prometheus (issue 14): valid for promtool,
each alert proven to fire and to stay quiet by `promtool test rules`, and written only against
metric names `vroeg.shared.metrics` defines, so the rules cannot drift from the code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from vroeg.shared import metrics

RULES = Path(__file__).resolve().parents[1] / "deploy" / "prometheus"
ALERTS = RULES / "alerts.yml"
CASES = RULES / "alerts.test.yml"
# Series Prometheus makes itself, not a service.
PROMETHEUS_OWN = frozenset({"up"})
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right"}
    | {"bool", "offset"}
)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("no promtool: Debian's prometheus package carries it (./dev test installs it)")
    return subprocess.run([promtool, *args], capture_output=True, text=True, check=False)


def _alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_the_rules_are_valid_for_promtool() -> None:
    checked = _promtool("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in checked.stdout


def test_every_alert_fires_and_stays_quiet_where_its_cases_say() -> None:
    tested = _promtool("test", "rules", str(CASES))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # Each alert has a case where it fires and one where it does not.
    fires: set[str] = set()
    quiet: set[str] = set()
    for case in yaml.safe_load(CASES.read_text())["tests"]:
        for check in case["alert_rule_test"]:
            (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in _alerts()}
    assert fires == names
    assert quiet == names


def _defined() -> set[str]:
    """Every series name the platform's metrics serve, as Prometheus sees them."""
    names: set[str] = set()
    for metric in vars(metrics).values():
        if not isinstance(metric, MetricWrapperBase):
            continue
        for family in metric.describe():
            suffixes = {
                "counter": ("_total",),
                "gauge": ("",),
                "histogram": ("_bucket", "_count", "_sum"),
            }[family.type]
            names |= {family.name + suffix for suffix in suffixes}
    return names


def _metric_names(expression: str) -> set[str]:
    """The series an expression reads: its identifiers but functions, keywords, label
    names and values, and durations."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expression)  # label values
    text = re.sub(r"\{[^}]*\}", "", text)  # matchers
    text = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", text)  # grouping labels
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    names = set()
    for found in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\(?))", text):
        name, call = found.group(0), found.group(1)
        if not call and name not in _KEYWORDS:
            names.add(name)
    return names


def test_every_metric_an_alert_reads_is_defined_in_vroeg_shared_metrics() -> None:
    defined = _defined()
    assert "vroeg_events_parked_total" in defined  # the scan finds the counters' series
    used = {name for rule in _alerts() for name in _metric_names(str(rule["expr"]))}
    assert "vroeg_outbox_oldest_age_seconds" in used  # … and the expressions' series
    assert used - PROMETHEUS_OWN <= defined, sorted(used - PROMETHEUS_OWN - defined)
