"""Real processes for the tests whose subject is a process: Celery workers, beat, a web server,
a private Redis to stop and start. Each runs in its own process group and is always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout} s")


def test_database_url() -> str:
    """The URL of the database this test run uses, for processes started by the test."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(broker_url: str, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=broker_url,
        PYTHONPATH=str(ROOT),
        VAR_DIR=tempfile.mkdtemp(prefix="coresponder-test-"),
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Process:
    def __init__(self, args: list[str], env: dict[str, str], name: str):
        self.name = name
        self.log = Path(env["VAR_DIR"]) / f"{name}.log"
        self._out = self.log.open("w")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self, sig=signal.SIGKILL) -> None:
        """Signal the whole group: a prefork worker's children die with it."""
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.popen.wait(timeout=5)
        self._out.close()


def start_worker(env: dict[str, str], *, beat: bool = False, name: str = "worker", pause_lock: int = 0) -> Process:
    """A real Celery worker. ``pause_lock``: every dispatch it makes waits, uncommitted, on this
    PostgreSQL advisory lock (tests/fault_hooks.py), for the test to break it there."""
    args = [str(BIN / "celery"), "-A", "coresponder", "worker", "--loglevel=INFO", "--concurrency=1",
            f"--hostname={name}-{os.getpid()}-{time.monotonic_ns()}@%h", "--without-mingle", "--without-gossip"]  # fmt: skip
    if pause_lock:
        env = {**env, "FAULT_PAUSE_LOCK": str(pause_lock)}
        args += ["--include", "tests.fault_hooks"]
    if beat:
        args += ["--beat", f"--schedule={env['VAR_DIR']}/celerybeat-schedule"]
    process = Process(args, env, name)
    wait_until(
        lambda: "ready." in process.output() or process.popen.poll() is not None, timeout=30, message=f"{name} ready"
    )
    if process.popen.poll() is not None:
        raise AssertionError(f"{name} exited:\n{process.output()[-3000:]}")
    return process


def start_web(env: dict[str, str], port: int) -> Process:
    args = [str(BIN / "gunicorn"), "coresponder.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process = Process(args, env, "web")

    def answers():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return process.popen.poll() is not None

    wait_until(answers, timeout=30, message="web server up")
    return process


class RedisServer:
    """A private redis-server on its own port, to stop and restart without touching 6379."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.popen = None

    def start(self) -> RedisServer:
        self.popen = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False

        wait_until(up, timeout=10, message="private redis up")
        return self

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=10)


@contextmanager
def running(*processes):
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()


# --- What the fault tests check -------------------------------------------------------------------

# The sweeper's interval in the fault tests' workers, and the recovery they hold to: a worker's
# start-up (a few seconds here), one sweep and a margin.
SWEEP_SECONDS = 1
FAST_SWEEP = {"DISPATCH_SWEEP_INTERVAL_SECONDS": SWEEP_SECONDS, "DISPATCH_RESEND_AFTER_SECONDS": SWEEP_SECONDS}
RECOVERY_SECONDS = 20


def status_of(call) -> str:
    from dispatch.models import CrisisCall

    return CrisisCall.objects.values_list("status", flat=True).get(pk=call.pk)


def dispatched_once(call) -> bool:
    from dispatch.models import Assignment, CallEvent, CrisisCall

    return (
        Assignment.objects.filter(call=call).count() == 1
        and CallEvent.objects.filter(call=call, to_status=CrisisCall.Status.DISPATCHED).count() == 1
    )
