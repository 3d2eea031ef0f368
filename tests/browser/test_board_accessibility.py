"""The board as assistive technology reads it: axe-core (axe-playwright-python, which ships it)
finds no serious or critical violation, with calls, a held call, units and the drawer open."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dispatch.models import CrisisCall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CrisisCall.Status


def serious(page) -> list[str]:
    results = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_board_has_no_serious_or_critical_accessibility_violation(page, log_in, users, call_in, unit_at,
                                                                        no_map_tiles):  # fmt: skip
    unit_at(1, call_sign="CR-71")
    call_in(S.HELD, weapons=True, address="1 Held Rd")
    call = call_in(S.QUEUED, address="2 Queue St")
    log_in("dispatcher")
    expect(page.locator(f"#call-{call.pk}")).to_be_visible()
    assert serious(page) == []
    page.locator(f"#call-{call.pk}").get_by_role("button", name="Notes…").click()
    expect(page.locator("#call-detail")).to_be_visible()
    assert serious(page) == []
