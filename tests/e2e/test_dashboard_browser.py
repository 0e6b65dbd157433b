"""The dashboard in headless Chromium (Debian's `chromium`, driven by Playwright): sign in, click Resolve on an
exception, see it gone, check the database, take a screenshot. Skips without /usr/bin/chromium, except under
CI=true, where `.ci/run` installs it."""

from __future__ import annotations

import os
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bookbridge.application.scheduling import UpcomingJob
from bookbridge.domain.lifecycle import start_of
from bookbridge.entrypoints.container import build_unit_of_work
from examples import HARDBACK, edition, family
from http_support import ADMIN_TOKEN, build_app, seed_exception, serving

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.slow


def test_resolve_an_exception_from_the_dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing (.ci/run installs Debian's chromium)")
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    app, container, hooks = build_app(tmp_path, monkeypatch)
    exception_id = seed_exception(container, "no GBP price for the UK storefront")
    published = container.clock().now().date() + timedelta(days=3)  # the stored catalogue: on sale in 3 days
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        uow.state.save_catalogue("sample", {"roseanna": family(edition(publishing_status="02", availability="10",
                                                                       publication_date=published))})
        uow.commit()
    launch = start_of(published, ZoneInfo("UTC")).astimezone(UTC)
    hooks.jobs = [UpcomingJob(id=f"launch:store:{launch.isoformat()}", kind="launch", run_at=launch,
                              store="store", detail=f"{HARDBACK} preorder→available")]
    with serving(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/dashboard")
            assert page.url.endswith("/login")  # no session yet
            page.fill("input[name=token]", ADMIN_TOKEN)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/dashboard")
            row = page.locator(f"#exception-{exception_id}")
            assert "no GBP price for the UK storefront" in row.inner_text()
            upcoming = page.locator("#upcoming").inner_text()
            assert f"{HARDBACK}" in upcoming and "Roseanna (Hardback)" in upcoming and "goes on sale" in upcoming
            assert page.locator("svg[aria-label='Units by title (last 12 weeks)'] rect").count() == 2
            cookie = next(c for c in browser.cookies() if c["name"] == "bookbridge_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            page.screenshot(path=str(tmp_path / "dashboard-before.png"), full_page=True)
            row.locator("input[name=note]").fill("price added in Consonance")
            row.locator("button[name=resolve]").click()
            page.wait_for_selector("#flash")
            assert page.locator("#flash").inner_text() == f"Exception {exception_id} resolved."
            assert page.locator("#no-exceptions").is_visible()
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        assert uow.exceptions.open_items() == []
        resolved = uow.exceptions.get(exception_id)
    assert resolved.resolution == "price added in Consonance" and resolved.resolved_at is not None
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
