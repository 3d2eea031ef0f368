import contextlib

from django.core.management.base import BaseCommand, CommandError

from dispatch.simulator import Simulator


class Command(BaseCommand):
    help = (
        "Feed the demo city: calls arrive on a realistic daily curve, units drive to them and work them. "
        "The real Celery dispatcher assigns every call, so a worker must be running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--speed", type=float, default=10.0, help="Simulated seconds per real second (default 10).")
        parser.add_argument("--rate", type=float, default=1.0, help="Multiply the call arrival rate (default 1).")
        parser.add_argument("--seconds", type=float, default=None, help="Stop after this many real seconds.")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--keep-demo-roster", action="store_true",
            help="Add the next week's demo shifts the day before they are needed (what `make run` does).",
        )  # fmt: skip

    def handle(self, *args, speed, rate, seconds, seed, keep_demo_roster, **options):
        if speed <= 0 or rate < 0:
            raise CommandError("--speed must be positive and --rate not negative.")
        simulator = Simulator(speed=speed, rate_factor=rate, seed=seed, keep_demo_roster=keep_demo_roster)
        self.stdout.write(f"Simulating at {speed:g}× with {rate:g}× the usual calls; Ctrl-C stops.")
        with contextlib.suppress(KeyboardInterrupt):
            simulator.run(seconds=seconds)
        self.stdout.write(f"Simulator stopped after {simulator.created} calls.")
