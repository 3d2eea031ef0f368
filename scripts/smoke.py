"""Smoke test of the embedded defaults: `make run` on a fresh folder, with no DATABASE_URL or
CELERY_BROKER_URL, answers /healthz, serves the roster page to the demo supervisor, and stops
cleanly on Ctrl-C."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fail(message: str, log: Path) -> None:
    print(f"SMOKE FAILED: {message}\n--- last lines of the stack's output ---")
    print("\n".join(log.read_text(errors="replace").splitlines()[-40:]))
    sys.exit(1)


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    var_dir = Path(tempfile.mkdtemp(prefix="coresponder-smoke-"))
    log = var_dir / "stack.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY")}
    env.update(VAR_DIR=str(var_dir), PORT=str(port), DEBUG="1", SIMULATE="0")
    started = time.monotonic()
    with log.open("w") as out:
        stack = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        health, last_answer = None, "no answer"
        # 503 until the database, the broker and beat's first heartbeat (run by the worker) are up.
        while time.monotonic() - started < 120:
            if stack.poll() is not None:
                fail(f"make run exited early with {stack.returncode}", log)
            try:
                health = opener.open(f"{base}/healthz", timeout=5).read().decode()
                break
            except urllib.error.HTTPError as error:
                last_answer = f"{error.code} {error.read().decode(errors='replace')}"
                time.sleep(0.5)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        if health is None:
            fail(f"/healthz was not ok within 120 s; last answer: {last_answer}", log)
        print(f"healthz after {time.monotonic() - started:.1f} s: {health}")
        if '"status": "ok"' not in health:
            fail(f"/healthz is not ok: {health}", log)

        login_page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode(
            {"username": "supervisor", "password": "demo-supervisor", "csrfmiddlewaretoken": token, "next": "/roster/"}
        ).encode()
        request = urllib.request.Request(f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/"})
        roster = opener.open(request, timeout=10).read().decode()
        if "Roster" not in roster or "CR-11" not in roster:
            fail("the roster page did not show the demo roster", log)
        print("roster page: shows the demo roster")
        extra_checks(opener, base, log, env)
    finally:
        os.killpg(stack.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            fail("the stack did not stop within 30 s of Ctrl-C", log)
    leftovers = subprocess.run(["pgrep", "-f", str(var_dir)], capture_output=True, text=True).stdout.split()
    if leftovers:
        fail(f"processes left running after Ctrl-C: {leftovers}", log)
    print(f"stopped cleanly on Ctrl-C; smoke test passed in {time.monotonic() - started:.1f} s")


def extra_checks(opener, base, log, env) -> None:
    """A diverted call posted by the 911 CAD is dispatched by the worker."""
    import json

    token = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "issue_token", "smoke-cad", "--role", "intake"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    body = {"external_id": "SMOKE-1", "lat": 38.6270, "lon": -90.1994, "nature": "welfare_check", "priority": 1}
    posted = time.monotonic()
    request = urllib.request.Request(f"{base}/api/v1/calls/", data=json.dumps(body).encode(), headers=headers)
    call = json.load(urllib.request.urlopen(request, timeout=10))
    while time.monotonic() - posted < 30:
        request = urllib.request.Request(f"{base}/api/v1/calls/{call['id']}/", headers=headers)
        call = json.load(urllib.request.urlopen(request, timeout=10))
        if call["status"] == "dispatched":
            print(f"call posted and dispatched to unit {call['unit']} in {time.monotonic() - posted:.2f} s")
            today = time.strftime("%Y-%m-%d")
            page = opener.open(f"{base}/reports/?start={today}&end={today}", timeout=30).read().decode()
            if "Response times" not in page:
                fail("the reports page did not render on the embedded database", log)
            print("reports page: renders on SQLite")
            return
        time.sleep(0.1)
    fail(f"the call was not dispatched within 30 s (status {call['status']})", log)


if __name__ == "__main__":
    main()
