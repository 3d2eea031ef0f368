"""docker-compose.yml runs what the Makefile runs (CI's `compose` step; `make compose-check`).

There is no Docker engine in CI, so the compose file is read, not run. Each service built from
the project's image must run the command of its Makefile target (migrate, grant-app-role,
serve for web, worker, beat), as `make -n` prints it, the `.venv/bin/` directory and leading
variables aside; an option that says where a process listens (`--bind`) may differ in value.
The Dockerfile's CMD is web's command. web, worker and beat connect to the database as the
runtime role that grant-app-role grants, never as the owner that migrates; and web's health
check asks under a host name Django allows (scripts/web_healthcheck.py).

Exit 0 when all holds; otherwise each difference on a line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"migrate": "migrate", "grant-app-role": "grant-app-role", "web": "serve", "worker": "worker", "beat": "beat"}
RUNTIME_SERVICES = ("web", "worker", "beat")
OWNER_SERVICES = ("migrate", "grant-app-role")
PLACE_OPTIONS = {"--bind"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def make_command(makefile: Path, target: str) -> list[str]:
    """The target's command as make would run it, its variables expanded, nothing run."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(ROOT), "-f", str(makefile), "-o", ".venv/bin/.installed",
         target],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = [line for line in printed.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ValueError(f"make {target} runs {len(lines)} commands, not one: {lines}")
    words = shlex.split(lines[0], posix=True)
    while words and ASSIGNMENT.match(words[0]):
        words.pop(0)
    return [Path(words[0]).name, *words[1:]] if words else []


def comparable(words: list[str]) -> list[str]:
    """``--bind 0.0.0.0:8000`` and ``--bind=...`` become ``--bind=<place>``."""
    result, skip = [], False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in PLACE_OPTIONS:
            result.append(f"{name}=<place>")
            skip = "=" not in word and index + 1 < len(words)
        else:
            result.append(word)
    return result


def interpolated(value: str) -> str:
    """Compose's ``${NAME:-default}`` as its default (the other forms as they are)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)


def database_user(service: dict) -> str | None:
    url = (service.get("environment") or {}).get("DATABASE_URL")
    return urlsplit(interpolated(url)).username if url else None


def dockerfile_cmd(dockerfile: Path) -> list[str] | None:
    commands = [line[len("CMD") :].strip() for line in dockerfile.read_text().splitlines() if line.startswith("CMD")]
    return json.loads(commands[-1]) if commands else None


def problems(compose_file: Path, makefile: Path, dockerfile: Path) -> list[str]:
    services = yaml.safe_load(compose_file.read_text())["services"]
    found = []
    ours = {name: service for name, service in services.items() if "build" in service}
    for name in sorted(set(ours) - set(TARGETS)):
        found.append(f"{name}: built from the project's image but has no Makefile target to match (add it here)")
    for name, target in TARGETS.items():
        if name not in ours:
            found.append(f"{name}: missing from {compose_file.name}")
            continue
        command, expected = ours[name].get("command"), make_command(makefile, target)
        if not isinstance(command, list) or comparable(command) != comparable(expected):
            found.append(f"{name}: runs {command!r}, but `make {target}` runs {expected!r}")
    if "web" in ours and comparable(dockerfile_cmd(dockerfile) or []) != comparable(ours["web"].get("command", [])):
        found.append(f"Dockerfile: CMD {dockerfile_cmd(dockerfile)!r} is not web's command")

    owner = (services.get("db", {}).get("environment") or {}).get("POSTGRES_USER")
    runtime = (ours.get("grant-app-role", {}).get("command") or [None])[-1]
    for name in OWNER_SERVICES:
        if name in ours and database_user(ours[name]) != owner:
            found.append(f"{name}: must connect as the tables' owner {owner!r}, not {database_user(ours[name])!r}")
    for name in RUNTIME_SERVICES:
        if name in ours and (database_user(ours[name]) != runtime or runtime == owner):
            found.append(f"{name}: must connect as the runtime role {runtime!r}, not {database_user(ours[name])!r}")

    probe = json.dumps((ours.get("web", {}).get("healthcheck") or {}).get("test"))
    if "scripts/web_healthcheck.py" not in probe:
        found.append(f"web: the health check {probe} must ask under an allowed host (scripts/web_healthcheck.py)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compose", type=Path, default=ROOT / "docker-compose.yml")
    parser.add_argument("--makefile", type=Path, default=ROOT / "Makefile")
    parser.add_argument("--dockerfile", type=Path, default=ROOT / "Dockerfile")
    arguments = parser.parse_args()
    found = problems(arguments.compose, arguments.makefile, arguments.dockerfile)
    for problem in found:
        print(problem)
    if not found:
        print(f"{arguments.compose.name}: every service runs the Makefile's command.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
