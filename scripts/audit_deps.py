"""Dependency audit for `make test`: pip-audit over requirements.txt, honest about what it could not check.

pip-audit asks PyPI's per-release JSON for known vulnerabilities. Where that answer is missing
(a mirror that serves only the project-level JSON, or no network at all), this falls back to
PyPI's project-level JSON, whose "vulnerabilities" list is about the newest release only, so it
covers a pin that *is* the newest release. Whatever neither source could check is printed by
name and does not fail the run; a known vulnerability in a pinned release does (exit 1).

    python scripts/audit_deps.py [requirements.txt] [-- extra pip-audit arguments]
"""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

PYPI_JSON = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 15


def run_pip_audit(requirements: str, extra: list[str]) -> tuple[list[dict], str]:
    """pip-audit's dependency list (name, version, vulns or skip_reason), and its error if it failed."""
    pip_audit = Path(sys.executable).with_name("pip-audit")
    cmd = [str(pip_audit), "-r", requirements, "-f", "json", "--progress-spinner", "off", *extra]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"pip-audit did not run: {exc}"
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"pip-audit failed: {last}"
    return report.get("dependencies", []), ""


def pinned(requirements: str) -> dict[str, str]:
    """name -> version for the `name==version` lines (what to check when pip-audit gave nothing)."""
    out = {}
    for line in Path(requirements).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            out[name.split("[")[0].strip().lower()] = version.strip()
    return out


def newest_release_vulns(name: str, version: str) -> tuple[list[dict] | None, str]:
    """Known vulnerabilities of ``name`` ``version`` from the project-level JSON, or (None, why not)."""
    try:
        with urllib.request.urlopen(PYPI_JSON.format(name=name), timeout=TIMEOUT) as response:
            data = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"PyPI not reachable ({getattr(exc, 'reason', exc)})"
    newest = data.get("info", {}).get("version")
    if newest != version:
        return None, f"PyPI reports vulnerabilities only for the newest release ({newest})"
    vulns = [v for v in data.get("vulnerabilities", []) if not v.get("withdrawn")]
    return [
        {"id": v.get("id"), "fix_versions": v.get("fixed_in", []), "aliases": v.get("aliases", [])} for v in vulns
    ], ""


def pypi_unreachable() -> str:
    """Why PyPI's JSON cannot be reached ("" when it can): one quick probe, so a closed network
    costs seconds instead of a timeout per package."""
    try:
        with urllib.request.urlopen(PYPI_JSON.format(name="pip"), timeout=TIMEOUT) as response:
            response.read(1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"PyPI not reachable ({getattr(exc, 'reason', exc)})"
    return ""


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = argv[: argv.index("--")] if "--" in argv else argv
    requirements = args[0] if args else "requirements.txt"
    offline = pypi_unreachable()
    if offline:
        names = ", ".join(f"{n} {v}" for n, v in pinned(requirements).items())
        print(f"audit: could NOT check anything, {offline}: {names}")
        return 0
    deps, failure = run_pip_audit(requirements, extra)
    if failure:
        print(f"audit: {failure}; checking the pinned releases one by one")
        deps = [{"name": n, "version": v, "skip_reason": failure} for n, v in pinned(requirements).items()]
    found, unchecked, checked = [], [], 0
    for dep in deps:
        name = dep["name"]
        if "skip_reason" not in dep:
            checked += 1
            found += [(name, dep.get("version"), v) for v in dep.get("vulns", [])]
            continue
        version = dep.get("version") or dep["skip_reason"].rsplit("(", 1)[-1].rstrip(")")
        vulns, why = newest_release_vulns(name, version)
        if vulns is None:
            unchecked.append(f"{name} {version}: {why}")
            continue
        checked += 1
        found += [(name, version, v) for v in vulns]
    print(f"audit: {checked} of {len(deps)} packages checked against PyPI's vulnerability data")
    if unchecked:
        print(f"audit: could NOT check {len(unchecked)} packages (not a failure):")
        for line in unchecked:
            print(f"  - {line}")
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
        print(f"audit: VULNERABLE {name} {version}: {vuln.get('id')} (fixed in: {fixes})")
    if found:
        return 1
    print("audit: no known vulnerabilities in what could be checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
