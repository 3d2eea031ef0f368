"""Browser tests: Playwright drives Debian's chromium (never a downloaded browser)."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (or set CHROMIUM_PATH).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page, request):
    """``screenshot("name")`` saves the page under var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page, live_server):
    """``log_in("dispatcher")`` on the test's page, or ``log_in("clinician", on=other_page)``."""

    def as_user(username: str, password: str = "pass-word-123", on=None):
        target = on or page
        target.goto(f"{live_server.url}/accounts/login/")
        target.get_by_label("Username").fill(username)
        target.get_by_label("Password").fill(password)
        # Until the page it lands on has loaded (its scripts run): a tap before then would be a
        # plain form post, not what a person sees.
        with target.expect_navigation(wait_until="load"):
            target.get_by_role("button", name="Log in").click()

    return as_user


@pytest.fixture
def shoot(request):
    """``shoot(any_page, "name")`` saves a screenshot of a page other than the test's own."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(target, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        target.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def no_map_tiles(settings):
    """Tests have no network: the board's map shows markers without tiles."""
    settings.MAP_TILE_URL = ""


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(page):
    """Every browser test also checks that the page broke none of the CSP's rules and that no
    script failed (an uncaught error is a feature that silently does not work)."""
    violations = []
    page.on("pageerror", lambda error: violations.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            violations.append(f"{message.text} at {message.location}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert not violations, violations
