"""The shipped deploy/ files agree with each other: the app trusts as many proxies as deploy/ puts in front of it."""

import pathlib
import re

from eventsite.security import SECRET_ARGUMENTS

DEPLOY = pathlib.Path(__file__).resolve().parent.parent / "deploy"


def test_proxy_count_matches_the_nginx_that_deploy_ships():
    nginx = (DEPLOY / "nginx.conf").read_text()
    env = (DEPLOY / "env.example").read_text()
    # Each proxy that appends the client's address to X-Forwarded-For is one hop the app must trust.
    hops = len(re.findall(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for", nginx))
    proxied = len(re.findall(r"^\s*proxy_pass\s", nginx, re.M))
    assert hops >= 1 and proxied >= 1, "nginx.conf should proxy to the app and pass X-Forwarded-For"
    # Every location that proxies sets the header the same way, so one nginx = one hop.
    assert hops in (1, proxied)
    setting = re.search(r"^PROXY_COUNT=(\d+)\s*$", env, re.M)
    assert setting, "deploy/env.example must set PROXY_COUNT"
    assert int(setting.group(1)) == 1


def nginx_log_map() -> list[tuple[re.Pattern, str]]:
    """The ``map $uri $eventsite_log_uri`` rules of deploy/nginx.conf, as Python patterns."""
    block = re.search(r"map \$uri \$eventsite_log_uri \{(.*?)\n\}", (DEPLOY / "nginx.conf").read_text(), re.S)
    assert block, "nginx.conf should map $uri to a log line without secrets"
    rules = []
    for line in block.group(1).splitlines():
        match = re.match(r"\s*~(\S+)\s+(\S+);", line)
        if match:
            rules.append((re.compile(match.group(1).replace("(?<", "(?P<")), match.group(2)))
    return rules


def test_nginx_logs_no_secret_of_any_route(app):
    """Issue 12.7: every route whose path holds a token or code is logged with a placeholder."""
    secret = "S3cretS3cretS3cret"
    rules = nginx_log_map()
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments & SECRET_ARGUMENTS:
            continue
        path = re.sub(
            r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: secret if m.group(1) in SECRET_ARGUMENTS else "7", rule.rule
        )
        for pattern, replacement in rules:
            match = pattern.match(path)
            if match:
                logged = re.sub(r"\$(\w+)", lambda m, found=match: found.group(m.group(1)) or "", replacement)
                break
        else:
            logged = path
        assert secret not in logged, f"{rule.rule} is logged as {logged}"
        checked.append(rule.rule)
    assert len(checked) >= 20 and "/email-change/<change>" in checked


def test_nginx_compresses_what_the_app_sends():
    """Issue 12.13: pages, scripts, styles and JSON leave nginx compressed, proxied answers too
    (nginx compresses only its own files unless gzip_proxied says otherwise)."""
    nginx = (DEPLOY / "nginx.conf").read_text()
    settings = dict(re.findall(r"^\s*(gzip\w*)\s+([^;]+);", nginx, re.M))
    assert settings.get("gzip") == "on"
    assert settings.get("gzip_proxied") == "any"
    assert settings.get("gzip_vary") == "on"
    types = set(settings.get("gzip_types", "").split())  # text/html is always compressed
    assert {"text/css", "application/javascript", "application/json", "text/calendar", "image/svg+xml"} <= types
