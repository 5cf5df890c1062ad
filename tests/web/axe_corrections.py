"""axe-core (bundled by the pinned axe-playwright-python, no download at test time) for the registration and
correction pages' browser tests."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def assert_no_axe_violations(page) -> None:  # noqa: ANN001
    """Every WCAG 2.x A/AA rule axe-core checks, on the page as it is now: no violation."""
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    violations = results.response["violations"]
    assert not violations, "\n".join(
        f"{violation['id']}: {violation['help']} at {[node['target'] for node in violation['nodes']]}"
        for violation in violations
    )


def assert_tap_targets_at_least_44px(page, selector: str) -> None:  # noqa: ANN001
    for box in (element.bounding_box() for element in page.locator(selector).all()):
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, (selector, box)
