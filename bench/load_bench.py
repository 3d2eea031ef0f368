"""Load: the 911 CAD posting 20 calls a second for 60 s while three dispatchers' boards refresh,
against gunicorn, a Celery worker and PostgreSQL on this machine. Zero errors expected.

    make bench-load          (or: .venv/bin/python bench/load_bench.py --rate 20 --seconds 60)

Prints latency percentiles and writes them to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar

from common import BENCH_BROKER_URL, BENCH_DATABASE_URL, ROOT, bench_user, machine, record, setup_django, table
from dispatch_bench import BIN, Workers, build_city, percentile, random_point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20, help="intake calls per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--dispatchers", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    import redis
    from knox.models import AuthToken

    from dispatch.models import CrisisCall
    from tests.processes import free_port

    redis.Redis.from_url(BENCH_BROKER_URL).flushdb()
    build_city(60)
    token = AuthToken.objects.create(user=bench_user("load-cad", "intake"))[1]
    bench_user("load-dispatcher", "dispatcher", "load-pass-123")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": BENCH_DATABASE_URL, "CELERY_BROKER_URL": BENCH_BROKER_URL,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0", "AUTH_LOCKOUT_THRESHOLD": "1000",
           "API_RATE_INTAKE": "off"}  # fmt: skip
    web = subprocess.Popen([str(BIN / "gunicorn"), "coresponder.wsgi:application", "--bind", f"127.0.0.1:{port}",
                            "--workers", "3", "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)  # fmt: skip
    workers = Workers(concurrency=2)
    time.sleep(4)
    intake_times, board_times, errors = [], [], []
    lock = threading.Lock()
    stop_at = time.time() + args.seconds

    def post_one(rng):
        lat, lon = random_point(rng)
        body = json.dumps({"lat": lat, "lon": lon, "nature": "welfare_check", "priority": rng.choice((1, 2, 3))})
        request = urllib.request.Request(f"{base}/api/v1/calls/", data=body.encode(),
                                         headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})  # fmt: skip
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                ok = response.status == 201
        except Exception as error:
            with lock:
                errors.append(f"intake: {error!r}")
            return
        with lock:
            (intake_times if ok else errors).append(time.perf_counter() - began if ok else "intake: not 201")

    def cad():
        """Calls at a steady rate: one every 1/rate seconds, each in its own thread if needed."""
        rng = random.Random(5)
        interval, next_at = 1 / args.rate, time.time()
        pending = []
        while next_at < stop_at:
            time.sleep(max(0.0, next_at - time.time()))
            thread = threading.Thread(target=post_one, args=(random.Random(rng.random()),))
            thread.start()
            pending.append(thread)
            next_at += interval
        for thread in pending:
            thread.join()

    def board(n):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(f"{base}/accounts/login/").read().decode()
        csrf = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        form = f"username=load-dispatcher&password=load-pass-123&csrfmiddlewaretoken={csrf}".encode()
        opener.open(urllib.request.Request(f"{base}/accounts/login/", data=form, headers={"Referer": base})).read()
        time.sleep(n)  # stagger the boards
        while time.time() < stop_at:
            for path in ("/board/panels/", "/board/map.json"):
                began = time.perf_counter()
                try:
                    opener.open(f"{base}{path}", timeout=10).read()
                    with lock:
                        board_times.append(time.perf_counter() - began)
                except Exception as error:
                    with lock:
                        errors.append(f"board: {error!r}")
            time.sleep(3)

    try:
        threads = [threading.Thread(target=cad)] + [
            threading.Thread(target=board, args=(n,)) for n in range(args.dispatchers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(5)
        calls = CrisisCall.objects.count()
        dispatched_or_queued = CrisisCall.objects.filter(status__in=("dispatched", "queued")).count()
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
        workers.stop()

    def pct(values):
        return [f"{percentile(values, q) * 1000:.0f} ms" for q in (0.5, 0.9, 0.99)] + [f"{max(values) * 1000:.0f} ms"]

    rows = [
        [f"intake at {args.rate:g}/s", len(intake_times), *pct(intake_times)],
        [f"{args.dispatchers} boards every 3 s", len(board_times), *pct(board_times)],
    ]
    text = table(
        f"Load for {args.seconds:g} s ({datetime.now(UTC):%Y-%m-%d}, {machine()}, gunicorn 3 workers, Celery 2 processes)",
        ["traffic", "requests", "p50", "p90", "p99", "max"],
        rows,
    ) + (f"\nErrors: **{len(errors)}**. Calls stored: {calls}, every one dispatched or queued: "
         f"{'yes' if dispatched_or_queued == calls else f'no ({dispatched_or_queued})'}.\n")  # fmt: skip
    if errors:
        text += "First errors: " + "; ".join(map(str, errors[:3])) + "\n"
    print(text)
    record("load", text)
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
