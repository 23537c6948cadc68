"""Account-probing benchmark: do register, sign-in and reset answer an address with an
account as fast as one without (issue 14, item 4)?

    python -m bench accounts [--rounds 30] [--workers 2] [--forms register,login,reset]
                             [--out bench/out]

A fresh SQLite catalog with one account is served by ``gunicorn web:create_app()`` on
127.0.0.1 (as the load benchmark and the Docker image run it; the rate limits raised so
they do not interfere, mail written to the instance's mail folder). One client then posts,
in a seeded random order, ``--rounds`` forms of each kind for the known address and as
many for unknown ones, each from a fresh session whose CSRF token was fetched first (not
timed): a registration (the known address, or a new one each time), a sign-in with a wrong
password, a reset request. Printed per form: median and p95 ms of each side, the ratio of
the medians and a verdict: ok when the medians are within 1.2x of each other or 5 ms apart
(what a prober could hope to see through network noise). Sequential requests on a shared
2-core machine: the load average is printed beside the table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import requests

from bench.load import Gunicorn
from bench.search import pct

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
KNOWN = "known@bench.example.cn"
PASSWORD = "bench-passphrase-7"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RATIO = 1.2
SLACK_MS = 5.0


def build(root: Path) -> Path:
    from catalog.context import open_catalog
    from catalog.services import users
    from catalog.services.authz import SYSTEM

    instance = root / "instance"
    instance.mkdir()
    many = {"login": [100000, 300], "register": [100000, 3600], "reset": [100000, 900]}
    (instance / "settings.json").write_text(
        json.dumps({"extra": {"rate_limits": many}}), encoding="utf-8"
    )
    cat = open_catalog(instance_path=instance)
    try:
        cat.migrate()
        cat.create_index_if_missing()
        users.create_user(cat, SYSTEM, KNOWN, "Known", PASSWORD)
    finally:
        cat.dispose()
    return instance


def form_data(kind: str, known: bool, n: int) -> tuple[str, dict]:
    email = KNOWN if known else f"nobody{n}-{random.getrandbits(32):x}@bench.example.cn"
    if kind == "register":
        fresh = "another-passphrase-8"
        return "/register", {
            "email": email, "name": "Bench", "password": fresh, "password_confirm": fresh
        }  # fmt: skip
    if kind == "login":
        return "/login", {"email": email, "password": "not-the-password"}
    return "/password/forgot", {"email": email}


def timed_post(base: str, kind: str, known: bool, n: int) -> tuple[float, int]:
    """One form posted as a browser would; (milliseconds of the POST, status)."""
    path, data = form_data(kind, known, n)
    with requests.Session() as web:
        page = web.get(base + path, timeout=30)
        token = TOKEN.search(page.text)
        assert token, f"no CSRF token on {path}"
        data["csrf_token"] = token.group(1)
        started = time.perf_counter()
        r = web.post(base + path, data=data, timeout=30, allow_redirects=False)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, r.status_code


EXPECTED = {"register": 200, "login": 401, "reset": 200}


def run(args: argparse.Namespace) -> str:
    random.seed(14)
    with tempfile.TemporaryDirectory(prefix="bench-accounts-") as tmp:
        instance = build(Path(tmp))
        server = Gunicorn(instance, args.workers, {})
        try:
            forms = [f for f in EXPECTED if f in args.forms.split(",")]
            for kind in forms:  # warm-up: imports, the dummy hash, connections
                for known in (True, False):
                    timed_post(server.base, kind, known, -1)
            plan = [(k, known) for k in forms for known in (True, False)] * args.rounds
            random.shuffle(plan)
            times: dict[tuple[str, bool], list[float]] = {key: [] for key in set(plan)}
            cpu_before = os.times()
            for n, (kind, known) in enumerate(plan):
                ms, status = timed_post(server.base, kind, known, n)
                if status != EXPECTED[kind]:
                    raise SystemExit(
                        f"{kind} ({'known' if known else 'unknown'}) answered {status}"
                    )
                times[(kind, known)].append(ms)
            client_cpu = sum(os.times()[:2]) - sum(cpu_before[:2])
            queued = len(list((instance / "mail").glob("*.eml")))
        finally:
            server.stop()
    return render(times, args, client_cpu, queued)


def render(times: dict, args: argparse.Namespace, client_cpu: float, mails: int) -> str:
    head = ["form", "known p50", "unknown p50", "known p95", "unknown p95", "ratio", "verdict"]
    rows = []
    failed = False
    for kind in [f for f in EXPECTED if (f, True) in times]:
        known, unknown = times[(kind, True)], times[(kind, False)]
        k50, u50 = statistics.median(known), statistics.median(unknown)
        ratio = max(k50, u50) / min(k50, u50)
        ok = ratio <= RATIO or abs(k50 - u50) <= SLACK_MS
        failed |= not ok
        rows.append(
            [kind, f"{k50:.1f} ms", f"{u50:.1f} ms", f"{pct(known, 95):.1f} ms",
             f"{pct(unknown, 95):.1f} ms", f"{ratio:.2f}x", "ok" if ok else "MISS"]
        )  # fmt: skip
    widths = [max(len(c) for c in col) for col in zip(head, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    load = os.getloadavg()
    out = [line(head), line(["-" * w for w in widths]), *(line(r) for r in rows), ""]
    out += [
        f"* {args.rounds} posts per form and side, one client in a seeded random order, "
        f"gunicorn web:create_app() with {args.workers} workers x 4 threads, SQLite",
        f"* target: medians within {RATIO}x or {SLACK_MS:.0f} ms of each other; "
        "known = an address with an account (register, a wrong password, a reset)",
        f"* {mails} e-mails delivered to the mail folder after the answers; "
        f"client CPU {client_cpu:.1f} s",
        f"* load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (shared 2-core machine)",
    ]
    if failed:
        out.append("* MISS: a form answers known and unknown addresses at different speeds")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench accounts", description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--forms", default="register,login,reset", help="which forms to time")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    table = run(args)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accounts.txt").write_text(table, encoding="utf-8")
    return 0  # a missed target is in the table; a run that fails raises
