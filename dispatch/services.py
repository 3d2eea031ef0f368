"""Crisis calls: intake, the state machine's one entry point, and assignment (issue 3)."""


def queue_serve_soon() -> None:
    """Serve waiting calls after the current transaction commits (the dispatcher lands in issue 3)."""
