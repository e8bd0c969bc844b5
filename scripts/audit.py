"""Dependency audit of `make verify`: pip-audit on the virtual environment and npm audit on package.json.

Exit 1 only for a real finding that no current waiver (audit-waivers.toml) covers: any pip-audit
finding (its databases give no severity), npm findings of high or critical severity. When a vulnerability
database cannot be reached the audit says so ("audit impossible hors ligne"), records it in
.audit/last-run.json and does not fail the build: see docs/security.md."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BLOCKING_NPM = {"high", "critical"}
OFFLINE = "hors-ligne"


@dataclass(frozen=True)
class Finding:
    """One known vulnerability of one installed package."""

    tool: str
    package: str
    version: str
    ids: tuple[str, ...]
    severity: str

    def label(self) -> str:
        """One line for people."""
        return f"{self.tool} : {self.package} {self.version} — {', '.join(self.ids)} ({self.severity})"


@dataclass(frozen=True)
class Outcome:
    """What one tool found: 'ok', 'findings' or 'hors-ligne', with its findings and a note."""

    tool: str
    status: str
    findings: tuple[Finding, ...] = ()
    note: str = ""


def pip_outcome(report: dict[str, Any] | None, error: str = "") -> Outcome:
    """Read pip-audit's JSON; every package skipped means its database was not reached."""
    dependencies = (report or {}).get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        return Outcome(
            "pip-audit",
            OFFLINE,
            note=error
            or f"{len(dependencies)} paquets ignorés sur {len(dependencies)} : base PyPI/OSV injoignable",
        )
    findings = tuple(
        Finding("pip-audit", d["name"], d.get("version", "?"), (v["id"], *v.get("aliases", [])), "inconnue")
        for d in audited
        for v in d.get("vulns", [])
    )
    skipped = len(dependencies) - len(audited)
    return Outcome(
        "pip-audit",
        "findings" if findings else "ok",
        findings,
        f"{len(audited)} paquets audités, {skipped} ignorés"
        if skipped
        else f"{len(audited)} paquets audités",
    )


def npm_outcome(report: dict[str, Any] | None) -> Outcome:
    """Read `npm audit --json`; an error object means the advisory endpoint was not reached."""
    if not report or "vulnerabilities" not in report:
        message = (
            (report or {}).get("message")
            or (report or {}).get("error", {}).get("summary")
            or "pas de réponse"
        )
        return Outcome("npm audit", OFFLINE, note=str(message)[:200])
    findings = []
    for name, entry in report["vulnerabilities"].items():
        advisories = [v for v in entry.get("via", []) if isinstance(v, dict)]
        ids = tuple(str(v.get("url", "")).rsplit("/", 1)[-1] or str(v.get("source")) for v in advisories) or (
            name,
        )
        findings.append(
            Finding("npm audit", name, str(entry.get("range", "?")), ids, entry.get("severity", "?"))
        )
    return Outcome("npm audit", "findings" if findings else "ok", tuple(findings))


def load_waivers(path: Path, today: dt.date) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Current waivers by vulnerability id, and complaints about expired or incomplete ones."""
    if not path.exists():
        return {}, []
    current, complaints = {}, []
    for waiver in tomllib.loads(path.read_text(encoding="utf-8")).get("waiver", []):
        missing = [key for key in ("id", "package", "reason", "expires") if not waiver.get(key)]
        if missing:
            complaints.append(f"dérogation incomplète ({', '.join(missing)} manquant) : {waiver}")
        elif not isinstance(waiver["expires"], dt.date) or waiver["expires"] < today:
            complaints.append(
                f"dérogation expirée ou sans date valide : {waiver['id']} ({waiver['expires']})"
            )
        else:
            current[waiver["id"]] = waiver
    return current, complaints


def blocking(outcomes: list[Outcome], waivers: dict[str, dict[str, Any]]) -> list[Finding]:
    """Findings that fail the audit: not waived, and for npm of high or critical severity."""
    return [
        finding
        for outcome in outcomes
        for finding in outcome.findings
        if not any(i in waivers and waivers[i]["package"] == finding.package for i in finding.ids)
        and (finding.tool == "pip-audit" or finding.severity in BLOCKING_NPM)
    ]


def run_json(command: list[str], timeout: int = 300) -> tuple[dict[str, Any] | None, str]:
    """Run a tool printing JSON; its document (None when unreadable) and the end of its error output."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, str(error)
    try:
        return json.loads(done.stdout), done.stderr.strip()[-300:]
    except ValueError:
        return None, done.stderr.strip()[-300:]


def audit(python: str) -> list[Outcome]:
    """Both audits, their databases asked over the network."""
    pip_report, pip_error = run_json([python, "-m", "pip_audit", "--progress-spinner", "off", "-f", "json"])
    npm_report, _ = run_json(["npm", "audit", "--json"]) if (ROOT / "package.json").exists() else ({}, "")
    return [
        pip_outcome(pip_report, pip_error if pip_report is None else ""),
        npm_outcome(npm_report)
        if npm_report != {}
        else Outcome("npm audit", "ok", note="pas de package.json"),
    ]


def record(outcomes: list[Outcome], failing: list[Finding], path: Path) -> None:
    """Keep the result of this run for whoever reviews the audit."""
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "tools": {
                    o.tool: {"status": o.status, "note": o.note, "findings": [f.label() for f in o.findings]}
                    for o in outcomes
                },
                "blocking": [f.label() for f in failing],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def main() -> int:
    """Audit, print in French, record, and exit 1 on an unwaived blocking finding."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="Python of the environment to audit")
    parser.add_argument("--waivers", type=Path, default=ROOT / "audit-waivers.toml")
    parser.add_argument("--record", type=Path, default=ROOT / ".audit" / "last-run.json")
    args = parser.parse_args()
    waivers, complaints = load_waivers(args.waivers, dt.date.today())
    outcomes = audit(args.python)
    failing = blocking(outcomes, waivers)
    for outcome in outcomes:
        if outcome.status == OFFLINE:
            print(
                f"[audit] {outcome.tool} : audit impossible hors ligne ({outcome.note}). "
                "Relancez `make verify` avec un accès à la base de vulnérabilités (docs/security.md)."
            )
        else:
            print(
                f"[audit] {outcome.tool} : {len(outcome.findings)} vulnérabilité(s) connue(s). {outcome.note}"
            )
    for complaint in complaints:
        print(f"[audit] {complaint}")
    for finding in failing:
        print(f"[audit] BLOQUANT {finding.label()}")
    record(outcomes, failing, args.record)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
