"""scripts/audit_deps.py: a known vulnerability fails `make test`; what cannot be checked is named, not fatal."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_deps.py"


@pytest.fixture()
def audit():
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def online(audit, monkeypatch):
    monkeypatch.setattr(audit, "pypi_unreachable", lambda: "")


def test_without_network_it_says_so_and_passes(audit, monkeypatch, capsys, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    monkeypatch.setattr(audit, "pypi_unreachable", lambda: "PyPI not reachable (Name or service not known)")
    monkeypatch.setattr(audit, "run_pip_audit", lambda req, extra: pytest.fail("pip-audit would wait for timeouts"))
    assert audit.main([str(requirements)]) == 0
    assert "could NOT check anything, PyPI not reachable" in capsys.readouterr().out


def test_a_known_vulnerability_fails(audit, monkeypatch, capsys):
    deps = [
        {"name": "goodlib", "version": "1.0", "vulns": []},
        {"name": "badlib", "version": "2.0", "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["2.1"]}]},
    ]
    monkeypatch.setattr(audit, "run_pip_audit", lambda req, extra: (deps, ""))
    assert audit.main(["requirements.txt"]) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE badlib 2.0: PYSEC-2099-1 (fixed in: 2.1)" in out
    assert "2 of 2 packages checked" in out


def test_what_cannot_be_checked_is_named_and_does_not_fail(audit, monkeypatch, capsys, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3  # web\npsycopg[binary]==3.3.9\n")
    monkeypatch.setattr(audit, "run_pip_audit", lambda req, extra: ([], "pip-audit failed: no network"))
    answers = {"flask": ([], ""), "psycopg": (None, "PyPI not reachable (Name or service not known)")}
    monkeypatch.setattr(audit, "newest_release_vulns", lambda name, version: answers[name])
    assert audit.main([str(requirements)]) == 0
    out = capsys.readouterr().out
    assert "1 of 2 packages checked" in out
    assert "could NOT check 1 packages" in out
    assert "psycopg 3.3.9: PyPI not reachable" in out


def test_newest_release_data_counts_only_for_the_newest_release(audit, monkeypatch):
    import io
    import json

    body = {"info": {"version": "3.0"}, "vulnerabilities": [{"id": "GHSA-x", "fixed_in": ["3.1"], "withdrawn": None}]}
    monkeypatch.setattr(audit.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(json.dumps(body).encode()))
    vulns, _ = audit.newest_release_vulns("lib", "3.0")
    assert [v["id"] for v in vulns] == ["GHSA-x"]
    vulns, why = audit.newest_release_vulns("lib", "2.9")
    assert vulns is None and "newest release (3.0)" in why
