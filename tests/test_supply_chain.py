"""The supply chain: the lock agrees with pyproject.toml, the audit finds an advisory that
affects a locked version and only then fails, licences are checked, and the SBOM names every
locked package with its hashes (tools/supply_chain.py; docs/operations.md "Dependencies")."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tools import supply_chain
from tools.supply_chain import Package

ROOT = Path(__file__).resolve().parents[1]


def test_the_lock_agrees_with_pyproject() -> None:
    """`make install` refuses a stale lock (uv sync --locked); this says so before CI does:
    after changing pyproject.toml's dependencies, run `uv lock` and commit uv.lock."""
    uv = Path(sys.executable).parent / "uv"
    checked = subprocess.run(
        [str(uv), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


ADVISORY = {
    "id": "PYSEC-TEST-1",
    "aliases": ["CVE-TEST-1"],
    "summary": "test",
    "affected": [
        {
            "package": "example-pkg",
            "ranges": [
                {"events": [{"introduced": "0"}, {"fixed": "1.2"}]},
                {"events": [{"introduced": "2.0"}, {"last_affected": "2.1"}]},
                {"events": [{"introduced": "3.0"}]},
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("1.0", True),
        ("1.1.9", True),
        ("1.2", False),
        ("1.9", False),
        ("2.0", True),
        ("2.1", True),
        ("2.1.1", False),
        ("3.0", True),
        ("9.0", True),  # introduced and never fixed
    ],
)
def test_an_advisory_range_covers_exactly_its_versions(version: str, affected: bool) -> None:
    package = Package("pypi", "Example_Pkg", version)  # names compared normalised
    assert supply_chain.affects(ADVISORY, package) is affected


def test_the_audit_fails_on_an_affected_version_unless_an_exception_gives_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old_django = Package("pypi", "Django", "3.2.0")  # many published advisories
    assert supply_chain.audit([old_django], online=False) == 1
    found = capsys.readouterr().out
    assert "FAIL: Django 3.2.0 PYSEC-" in found

    assert supply_chain.audit(supply_chain.locked_packages(), online=False) == 0
    assert "No unresolved advisory." in capsys.readouterr().out

    first = next(line for line in found.splitlines() if line.startswith("FAIL: Django"))
    ids = [line.split()[3] for line in found.splitlines() if line.startswith("FAIL: Django")]
    exceptions = tmp_path / "exceptions.toml"
    lines = [f'"{advisory}" = {{ reason = "not used by egov" }}' for advisory in ids]
    exceptions.write_text("[advisories]\n" + "\n".join(lines) + "\n")
    monkeypatch.setattr(supply_chain, "EXCEPTIONS", exceptions)
    assert supply_chain.audit([old_django], online=False) == 0
    assert first.replace("FAIL", "accepted (not used by egov)") in capsys.readouterr().out


def test_licences_must_be_compatible_with_the_agpl() -> None:
    assert supply_chain.licence_problems(supply_chain.locked_packages()) == []
    refused = [
        Package("pypi", "gpl2", "1", licence="GPL-2.0-only"),
        Package("pypi", "unknown", "1", licence=""),
        Package("pypi", "both", "1", licence="MIT AND GPL-2.0-only"),
    ]
    accepted = [
        Package("pypi", "either", "1", licence="GPL-2.0-only OR MIT"),
        Package("pypi", "lgpl", "1", licence="LGPL-3.0-or-later"),
    ]
    problems = supply_chain.licence_problems(refused + accepted)
    assert [problem.split()[0] for problem in problems] == [
        "pypi:gpl2",
        "pypi:unknown",
        "pypi:both",
    ]


def test_the_sbom_names_every_locked_package_with_its_hashes_and_licence() -> None:
    packages = supply_chain.locked_packages()
    bom = json.loads(supply_chain.sbom(packages))  # validated against CycloneDX 1.6 inside
    assert bom["metadata"]["component"]["licenses"] == [{"expression": "AGPL-3.0-or-later"}]
    components = {c["purl"]: c for c in bom["components"]}
    assert len(components) == len(packages)
    django = next(c for purl, c in components.items() if purl.startswith("pkg:pypi/django@"))
    assert django["scope"] == "required" and django["hashes"][0]["alg"] == "SHA-256"
    axe = next(c for purl, c in components.items() if purl.startswith("pkg:npm/axe-core@"))
    assert axe["scope"] == "optional" and axe["hashes"][0]["alg"] == "SHA-512"
    assert len(axe["hashes"][0]["content"]) == 128  # hex, as CycloneDX wants
    assert all(c.get("licenses") for c in bom["components"])
