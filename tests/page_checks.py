"""The page checkers people judge our HTML by, run by tests: the Nu HTML checker (vnu.jar, the
W3C validator's engine) and axe-core in Chromium. Both come from the npm registry, pinned in the
Makefile (NODE_TOOLS), installed by `make setup` into .venv/npm."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

NODE_MODULES = Path(sys.prefix) / "npm" / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make setup` (it installs the Makefile's NODE_TOOLS with npm)")
    return path


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """The Nu HTML checker's errors on ``pages`` (name: HTML), each as 'name: message [extract]'."""
    names = {}
    for i, (name, html) in enumerate(pages.items()):
        path = folder / f"page{i}.html"
        path.write_text(html)
        names[path.name] = name
    done = subprocess.run(
        ["java", "-jar", _need(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, folder.glob("*.html"))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stderr)
    return [
        f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: {m.get('message')} [{m.get('extract', '').strip()[:100]}]"
        for m in report["messages"]
        if m["type"] in ("error", "non-document-error") and not _checker_gap(m)
    ]


def _checker_gap(message: dict) -> bool:
    """The checker's CSS parser predates container query units (``cqw``, CSS Containment 3, in
    every current browser): it calls them an unknown dimension. Nothing else is excused."""
    return (
        message.get("message", "").startswith("CSS:")
        and "Unknown dimension" in message["message"]
        and ("cqw" in message.get("extract", ""))
    )


def axe_violations(page, *, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on a Playwright page as it stands now, each as
    'rule (impact): target …'."""
    page.add_script_tag(path=str(_need(AXE_JS)))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in impacts
    ]
