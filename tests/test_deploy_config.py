"""The shipped deploy/ files agree with each other: the app trusts as many proxies as deploy/ puts in front of it."""

import pathlib
import re

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
