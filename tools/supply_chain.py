"""What egov is made of, and whether it may ship: the known vulnerabilities of the locked set
(``make audit``), its CycloneDX SBOM (``make sbom``) and the licence check (``make licences``).

Everything is read from the locks: ``uv.lock`` (Python, every file's SHA-256) and
``package-lock.json`` (npm, with its integrity hash). docs/operations.md, "Dependencies", says
how a release is built, verified and upgraded.
"""

import argparse
import json
import re
import sys
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
ADVISORIES = ROOT / "tools" / "advisories.json"
EXCEPTIONS = ROOT / "tools" / "supply-chain-exceptions.toml"

#: Licences whose code may be combined with AGPL-3.0-or-later code and shipped with it.
COMPATIBLE = frozenset(
    {
        "0BSD",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "CC0-1.0",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "HPND",
        "ISC",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "MIT",
        "MIT-0",
        "MIT-CMU",
        "MPL-2.0",
        "PSF-2.0",
        "Python-2.0",
        "Unlicense",
        "Zlib",
    }
)

#: Trove classifiers of packages that declare no SPDX expression.
CLASSIFIERS = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: BSD License": "BSD-3-Clause",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.1-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
}

#: Short ``License:`` fields that are names, not SPDX ids.
LICENSE_NAMES = {
    "mit": "MIT",
    "mit license": "MIT",
    "bsd": "BSD-3-Clause",
    "bsd license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "apache 2.0": "Apache-2.0",
    "apache-2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "isc": "ISC",
    "mpl-2.0": "MPL-2.0",
    "psf": "PSF-2.0",
    "lgpl-3.0": "LGPL-3.0-only",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Package:
    ecosystem: str  # "pypi" or "npm"
    name: str
    version: str
    hashes: list[tuple[str, str]] = field(default_factory=list)  # (algorithm, hex or base64)
    licence: str = ""
    runtime: bool = True  # shipped (else used only to develop and test)
    dependencies: list[str] = field(default_factory=list)  # keys of the packages it needs

    @property
    def key(self) -> str:
        return f"{self.ecosystem}:{normalise(self.name)}"


# --- the locked set ------------------------------------------------------------------------------


def python_packages(lock_path: Path = ROOT / "uv.lock") -> list[Package]:
    """Every package of uv.lock but egov itself, with its files' SHA-256, whether it ships
    (reached from egov's own dependencies, not only from the ``dev`` extra) and its licence as
    the installed distribution declares it."""
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    packages = {normalise(entry["name"]): entry for entry in lock["package"]}
    project = packages.pop("egov")
    runtime = _reachable(packages, [d["name"] for d in project.get("dependencies", [])])
    found = []
    for name, entry in sorted(packages.items()):
        files = [entry["sdist"]] if "sdist" in entry else []
        files += entry.get("wheels", [])
        hashes = [("SHA-256", f["hash"].removeprefix("sha256:")) for f in files if "hash" in f]
        needs = [f"pypi:{normalise(d['name'])}" for d in entry.get("dependencies", [])]
        found.append(
            Package(
                "pypi",
                entry["name"],
                entry["version"],
                hashes,
                _licence(name),
                name in runtime,
                needs,
            )
        )
    return found


def direct_dependencies(lock_path: Path = ROOT / "uv.lock") -> list[str]:
    """The keys of the packages egov names itself (its dependencies and its ``dev`` extra)."""
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    project = next(entry for entry in lock["package"] if entry["name"] == "egov")
    named = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        named += extra
    return [f"pypi:{normalise(d['name'])}" for d in named]


def _reachable(packages: dict[str, dict], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = [normalise(name) for name in roots]
    while stack:
        name = stack.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        entry = packages[name]
        stack += [normalise(d["name"]) for d in entry.get("dependencies", [])]
        for extra in entry.get("optional-dependencies", {}).values():
            stack += [normalise(d["name"]) for d in extra]
    return seen


def _licence(name: str) -> str:
    """The SPDX expression a distribution installed here declares (PEP 639 first, then its
    classifiers, then a short ``License`` field); "" when it declares none we can read."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return ""
    if meta.get("License-Expression"):
        return meta["License-Expression"].strip()
    classified = sorted(
        {CLASSIFIERS[c] for c in meta.get_all("Classifier") or [] if c in CLASSIFIERS}
    )
    if classified:
        return " OR ".join(classified)
    declared = (meta.get("License") or "").strip()
    return LICENSE_NAMES.get(declared.lower(), declared if len(declared) < 40 else "")


def npm_packages(lock_path: Path = ROOT / "package-lock.json") -> list[Package]:
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    found = []
    for path, entry in sorted(lock.get("packages", {}).items()):
        if not path:
            continue  # the root: egov's browser-test tooling itself
        algorithm, _, digest = entry.get("integrity", "").partition("-")
        hashes = [(algorithm.upper().replace("SHA", "SHA-"), digest)] if digest else []
        name = path.rsplit("node_modules/", 1)[-1]
        found.append(
            Package("npm", name, entry["version"], hashes, entry.get("license", ""), False)
        )
    return found


def locked_packages() -> list[Package]:
    """The Python and npm locked sets, with the licences written down in the exceptions file
    where a package's own metadata does not say it in SPDX (or is not installed here)."""
    packages = python_packages() + npm_packages()
    declared = exceptions().get("licences", {})
    for package in packages:
        package.licence = declared.get(package.key, {}).get("licence", package.licence)
    return packages


def exceptions() -> dict[str, dict]:
    return tomllib.loads(EXCEPTIONS.read_text(encoding="utf-8")) if EXCEPTIONS.exists() else {}


# --- make audit -------------------------------------------------------------------------------------


def affects(advisory: dict, package: Package) -> bool:
    """Whether an OSV advisory covers this version of the package (its explicit versions, or
    an ECOSYSTEM range: introduced ≤ version < fixed, or ≤ last_affected)."""
    try:
        version = Version(package.version)
    except InvalidVersion:
        return True  # unreadable: assume the worst
    for affected in advisory["affected"]:
        if affected["package"] != normalise(package.name):
            continue
        if package.version in affected.get("versions", []):
            return True
        for span in affected.get("ranges", []):
            # OSV: walking the events in order, "introduced" at or below the version opens an
            # affected stretch, "fixed" at or below it (or "last_affected" below it) closes it.
            inside = False
            for event in span["events"]:
                if "introduced" in event:
                    inside = inside or version >= Version(event["introduced"])
                elif ("fixed" in event and version >= Version(event["fixed"])) or (
                    "last_affected" in event and version > Version(event["last_affected"])
                ):
                    inside = False
            if inside:
                return True
    return False


def online_source_reachable(timeout: float = 10) -> str:
    """Ask the online advisory sources for one known package version; the name of the one that
    answered, or "" (this machine may reach neither: say so, never pass silently)."""
    probes = {
        "OSV (api.osv.dev)": urllib.request.Request(
            "https://api.osv.dev/v1/query",
            data=b'{"package":{"name":"django","ecosystem":"PyPI"},"version":"5.2"}',
            headers={"Content-Type": "application/json"},
        ),
        "PyPI (per-version JSON)": urllib.request.Request("https://pypi.org/pypi/django/5.2/json"),
    }
    for name, request in probes.items():
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                if answer.status == 200:
                    return name
        except (urllib.error.URLError, TimeoutError, OSError):
            continue
    return ""


def audit(packages: list[Package], *, online: bool = True) -> int:
    """Print every advisory that affects a locked package; 1 if any is not an accepted
    exception (the PyPA database gives no severity: every advisory counts as high)."""
    database = json.loads(ADVISORIES.read_text(encoding="utf-8"))
    accepted = exceptions().get("advisories", {})
    print(
        f"Advisory database: {database['source']} at {database['commit'][:12]}"
        f" ({database['date'][:10]}), {len(database['advisories'])} PyPI advisories."
    )
    if online:
        reached = online_source_reachable()
        if reached:
            print(f"Online source reachable: {reached}; refresh tools/advisories.json from it.")
        else:
            print(
                "WARNING: no online advisory source is reachable from this machine (OSV, PyPI's"
                " per-version JSON); advisories published after the database's date are NOT"
                " checked."
            )
    failures = 0
    for package in packages:
        if package.ecosystem != "pypi":
            print(
                f"NOT AUDITED: {package.ecosystem} {package.name} {package.version}"
                " (no advisory source for this ecosystem here; used only by the browser tests)"
            )
            continue
        for advisory in database["advisories"]:
            if not affects(advisory, package):
                continue
            reason = accepted.get(advisory["id"], {}).get("reason")
            verdict = f"accepted ({reason})" if reason else "FAIL"
            print(
                f"{verdict}: {package.name} {package.version} {advisory['id']}"
                f" {' '.join(advisory['aliases'])} {advisory['summary']}"
            )
            failures += not reason
    print(f"{failures} unresolved advisories." if failures else "No unresolved advisory.")
    return 1 if failures else 0


def refresh_advisories(checkout: Path) -> int:
    """Rewrite tools/advisories.json from a checkout of the PyPA advisory database (every PyPI
    advisory, OSV format, ECOSYSTEM ranges kept; explicit version lists only where there is
    no range)."""
    import subprocess

    import yaml

    found = []
    for path in sorted((checkout / "vulns").glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("withdrawn"):
            continue
        affected = []
        for entry in doc.get("affected", []):
            package = entry.get("package") or {}
            if package.get("ecosystem", "PyPI") != "PyPI":
                continue
            ranges = [
                {"events": span["events"]}
                for span in entry.get("ranges", [])
                if span.get("type") == "ECOSYSTEM"
            ]
            kept = {"package": normalise(package["name"]), "ranges": ranges}
            if not ranges:
                kept["versions"] = entry.get("versions", [])
            affected.append(kept)
        if affected:
            summary = (doc.get("summary") or doc.get("details") or "").strip().split("\n")[0]
            found.append(
                {
                    "id": doc["id"],
                    "aliases": doc.get("aliases", []),
                    "summary": summary[:160],
                    "affected": affected,
                }
            )
    # The operator's own git, on the checkout they named.
    commit, date = subprocess.check_output(  # noqa: S603
        ["git", "-C", str(checkout), "log", "-1", "--format=%H %cI"],  # noqa: S607
        text=True,
    ).split()
    database = {
        "source": "https://github.com/pypa/advisory-database",
        "licence": "CC-BY-4.0",
        "commit": commit,
        "date": date,
        "advisories": found,
    }
    text = json.dumps(database, separators=(",", ":"), ensure_ascii=False)
    ADVISORIES.write_text(text.replace('},{"id"', '},\n{"id"') + "\n", encoding="utf-8")
    print(f"{ADVISORIES}: {len(found)} advisories at {commit[:12]} ({date[:10]}).")
    return 0


# --- make licences ------------------------------------------------------------------------------


def licence_problems(packages: list[Package]) -> list[str]:
    """Each package whose licence is not known to be compatible with AGPL-3.0-or-later (an
    expression joined by OR needs one compatible choice, by AND all of them)."""
    problems = []
    for package in packages:
        terms = [t.strip("() ") for t in re.split(r"\s+(?:OR|AND)\s+", package.licence) if t]
        either = " OR " in package.licence and " AND " not in package.licence
        compatible = [t in COMPATIBLE for t in terms]
        if not terms or not (any(compatible) if either else all(compatible)):
            problems.append(f"{package.key} {package.version}: {package.licence or 'no licence'}")
    return problems


# --- make sbom ----------------------------------------------------------------------------------


def sbom(packages: list[Package]) -> str:
    """The CycloneDX 1.6 JSON document of egov and everything it is built from, validated
    against the CycloneDX schema."""
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentScope, ComponentType
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL

    algorithms = {
        "SHA-256": HashAlgorithm.SHA_256,
        "SHA-384": HashAlgorithm.SHA_384,
        "SHA-512": HashAlgorithm.SHA_512,
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bom = Bom()
    root = Component(
        name="egov",
        version=project["version"],
        type=ComponentType.APPLICATION,
        licenses=[LicenseExpression(project["license"])],
        bom_ref="egov",
    )
    bom.metadata.component = root
    components = {}
    for package in packages:
        hashes = []
        for algorithm, digest in package.hashes:
            if package.ecosystem == "npm":  # integrity is base64: CycloneDX wants hex
                import base64

                digest = base64.b64decode(digest).hex()
            hashes.append(HashType(alg=algorithms[algorithm], content=digest))
        licences = []
        if package.licence and " " not in package.licence:
            licences = [DisjunctiveLicense(id=package.licence)]
        elif package.licence:
            licences = [LicenseExpression(package.licence)]
        purl = PackageURL(type=package.ecosystem, name=package.name, version=package.version)
        components[package.key] = Component(
            name=package.name,
            version=package.version,
            type=ComponentType.LIBRARY,
            purl=purl,
            bom_ref=purl.to_string(),
            hashes=hashes,
            licenses=licences,
            scope=ComponentScope.REQUIRED if package.runtime else ComponentScope.OPTIONAL,
        )
        bom.components.add(components[package.key])
    direct = set(direct_dependencies()) | {p.key for p in packages if p.ecosystem == "npm"}
    bom.register_dependency(root, [c for key, c in components.items() if key in direct])
    for package in packages:
        needs = [components[key] for key in package.dependencies if key in components]
        bom.register_dependency(components[package.key], needs)
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise SystemExit(f"The SBOM does not validate: {error}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("audit", help="known vulnerabilities of the locked set")
    sub.add_parser("licences", help="every licence compatible with AGPL-3.0-or-later")
    refresh = sub.add_parser("refresh-advisories", help="rebuild tools/advisories.json")
    refresh.add_argument("checkout", type=Path, help="a git checkout of pypa/advisory-database")
    make_sbom = sub.add_parser("sbom", help="the CycloneDX SBOM")
    make_sbom.add_argument("--output", type=Path, default=ROOT / "dist" / "egov.cdx.json")
    args = parser.parse_args(argv)
    if args.command == "refresh-advisories":
        return refresh_advisories(args.checkout)
    packages = locked_packages()
    if args.command == "audit":
        return audit(packages)
    if args.command == "licences":
        problems = licence_problems(packages)
        for problem in problems:
            print(f"FAIL: {problem}")
        print(f"{len(packages)} packages, {len(problems)} licence problems.")
        return 1 if problems else 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(sbom(packages), encoding="utf-8")
    print(f"{args.output}: {len(packages)} components.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
