"""The dependency audit's reading of pip-audit and npm audit answers, and its waivers (no network)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit.py"
spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
audit = sys.modules["audit_script"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

TODAY = dt.date(2026, 11, 30)
PIP_OFFLINE = {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI"}]}
PIP_FINDING = {
    "dependencies": [
        {"name": "flask", "version": "3.1.0", "vulns": []},
        {"name": "jinja2", "version": "3.0.0", "vulns": [{"id": "PYSEC-2024-1", "aliases": ["CVE-2024-1"]}]},
    ]
}
NPM_OFFLINE = {
    "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"
}


def npm_report(severity: str) -> dict:
    """An npm audit answer with one advisory of a severity."""
    return {
        "vulnerabilities": {
            "axe-core": {
                "severity": severity,
                "range": "<4.11",
                "via": [{"source": 1, "url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"}],
            }
        }
    }


def test_every_package_skipped_means_the_audit_was_impossible_not_clean():
    assert audit.pip_outcome(PIP_OFFLINE).status == audit.OFFLINE


def test_an_unreachable_npm_advisory_endpoint_is_reported_offline():
    outcome = audit.npm_outcome(NPM_OFFLINE)
    assert outcome.status == audit.OFFLINE and "405" in outcome.note


def test_a_pip_audit_finding_blocks_unless_waived():
    outcome = audit.pip_outcome(PIP_FINDING)
    assert [f.package for f in audit.blocking([outcome], {})] == ["jinja2"]
    waiver = {"id": "CVE-2024-1", "package": "jinja2", "reason": "r", "expires": TODAY}
    assert audit.blocking([outcome], {"CVE-2024-1": waiver}) == []


@pytest.mark.parametrize(
    ("severity", "blocks"), [("low", False), ("moderate", False), ("high", True), ("critical", True)]
)
def test_only_high_and_critical_npm_findings_block(severity, blocks):
    assert bool(audit.blocking([audit.npm_outcome(npm_report(severity))], {})) is blocks


def test_expired_or_incomplete_waivers_do_not_apply(tmp_path):
    path = tmp_path / "audit-waivers.toml"
    path.write_text(
        '[[waiver]]\nid = "A"\npackage = "p"\nreason = "r"\nexpires = 2026-01-01\n'
        '[[waiver]]\nid = "B"\npackage = "p"\nexpires = 2027-01-01\n'
        '[[waiver]]\nid = "C"\npackage = "p"\nreason = "r"\nexpires = 2027-01-01\n'
    )
    current, complaints = audit.load_waivers(path, TODAY)
    assert list(current) == ["C"] and len(complaints) == 2


def test_the_repository_waiver_file_is_valid():
    _current, complaints = audit.load_waivers(SCRIPT.parents[1] / "audit-waivers.toml", dt.date.today())
    assert complaints == []
