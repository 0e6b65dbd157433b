"""The dashboard in headless Chromium (Debian's `chromium`, driven by Playwright): sign in, read the status header,
filter and search the exceptions, resolve one after its confirmation page, retry one edition, page through the
upcoming flips, and read it all at phone width (375 px) without sideways scrolling. Skips without
/usr/bin/chromium, except under CI=true, where `.ci/run` installs it.

Screenshots go to a temporary folder, or to `$BOOKBRIDGE_SCREENSHOTS` when set: `make screenshots` writes
docs/screenshots/*.png with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from bookbridge.domain.lifecycle import start_of
from bookbridge.domain.ports import ExceptionKind
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.entrypoints.container import build_unit_of_work
from dashboard_support import HELD, NEW_YORK, dashboard_app
from examples import HARDBACK, edition, family, gbp, usd
from http_support import ADMIN_TOKEN, serving

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
pytestmark = pytest.mark.slow


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("BOOKBRIDGE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing (.ci/run installs Debian's chromium)")
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport=LAPTOP)
        try:
            yield context
        finally:
            context.close()


def _more_launches(container: Any, hooks: Any) -> None:
    """Fifteen more New York launches, so that its flips run to two pages."""
    books = [edition(isbn=_isbn13(f"978000001{n:03d}"), family_id=f"w{n}", title=f"Beck {n + 1:02d}",
                     publishing_status="02", availability="10", publication_date=date(2026, 6, 2) + timedelta(days=n),
                     prices=(gbp("5.00"), usd("7.00"))) for n in range(15)]
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        stored = uow.state.catalogue("sample")
        stored.update({b.family_id: family(b, family_id=b.family_id, title=b.title) for b in books})
        uow.state.save_catalogue("sample", stored)
        uow.commit()
    hooks.jobs += [UpcomingJob(id=f"at:store:beck-{i}", kind="launch", store="store", detail="",
                               run_at=start_of(b.publication_date, NEW_YORK.zone)) for i, b in enumerate(books)]


def _isbn13(stem: str) -> str:
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(stem[:12])) % 10) % 10
    return stem[:12] + str(check)


def test_run_the_store_from_the_dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: Any,
                                          shots: Path) -> None:
    app, container, hooks = dashboard_app(tmp_path, monkeypatch)
    _more_launches(container, hooks)
    with serving(app) as base:
        page = browser.new_page()
        page.goto(f"{base}/dashboard")
        assert page.url.endswith("/login")  # no session yet
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/dashboard")
        cookie = next(c for c in browser.cookies() if c["name"] == "bookbridge_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        # The status header: last good sync, open exceptions, what is held back and why.
        assert "(2 hours ago)" in page.locator("#status-sync").inner_text()
        assert page.locator("#status-exceptions .big").inner_text() == "3"
        assert "1 no consumer price (storefront 'us')" in page.locator("#status-held-back").inner_text()
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

        # Filters and search.
        page.get_by_label("Kind").select_option("store-rejection")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("#exceptions-table tbody tr")
        assert rows.count() == 1 and "Roseanna (Hardback)" in rows.first.inner_text()
        page.get_by_role("link", name="Clear").click()
        page.get_by_label("ISBN or title").fill("smoke")
        page.get_by_role("button", name="Filter").click()
        assert rows.count() == 1 and HELD in rows.first.inner_text()
        page.screenshot(path=str(shots / "exceptions-filtered.png"), full_page=False)

        # Retry of that edition only.
        rows.first.get_by_role("button", name="Retry edition").click()
        assert "only (its product is written to the store)" in page.locator("#flash").inner_text()
        assert hooks.retries == [("store", HELD)] and hooks.syncs == []

        # Resolve, after a confirmation page with a labelled, empty note.
        rejected = page.locator("#exceptions-table tbody tr[data-kind=store-rejection]")
        exception_id = int((rejected.get_attribute("id") or "").split("-")[1])
        rejected.get_by_role("link", name="Resolve…").click()
        page.wait_for_url(re.compile(rf"/dashboard/exceptions/{exception_id}/resolve$"))
        note = page.get_by_label("Note: what was done about it (kept with the exception; needed)")
        assert note.input_value() == ""
        note.fill("name shortened in Consonance")
        page.screenshot(path=str(shots / "resolve-confirm.png"), full_page=True)
        page.get_by_role("button", name=f"Resolve exception {exception_id}").click()
        assert page.locator("#flash").inner_text() == f"Exception {exception_id} resolved."
        assert page.locator(f"#exception-{exception_id}").count() == 0

        # Upcoming flips, New York's in its own time, page by page to the end.
        us = page.locator("#flips-us")
        assert "times in America/New_York" in us.inner_text()
        seen = []
        while True:
            seen += [r.inner_text() for r in us.locator("tbody tr").all()]
            later = us.get_by_role("link", name="Later →")
            if later.count() == 0:
                break
            later.click()
        assert "Page 2 of 2" in us.inner_text()
        assert sum("Beck" in row for row in seen) == 15 and all("EDT (America/New_York)" in r for r in seen)
        assert not any(HELD in row for row in seen)  # not in the store: its campaign end is not shown

        # A phone: nothing wider than the screen, tables read as labelled cards.
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/dashboard")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide at {PHONE['width']} px"
        assert page.locator("#exceptions-table thead").is_hidden()
        assert page.get_by_role("button", name="Sync now").is_visible()
        page.screenshot(path=str(shots / "dashboard-phone.png"))
        page.evaluate("document.getElementById('flips').scrollIntoView()")
        page.screenshot(path=str(shots / "flips-phone.png"))
        page.close()

    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        resolved = uow.exceptions.get(exception_id)
    assert resolved.resolution == "name shortened in Consonance" and resolved.resolved_at is not None
    assert str(HARDBACK) == resolved.isbn
    assert (shots / "dashboard.png").stat().st_size > 10_000


# Each word of the cells matched by the selector that is split over two lines (a break inside it, not at a
# space, hyphen or slash): the layout broke it mid-word.
BROKEN_WORDS = """selector => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""
PHONE_390 = {"width": 390, "height": 844}


def test_exception_cells_break_between_words_and_long_codes_still_fit_a_phone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: Any) -> None:
    """A long message squeezes the other columns at laptop width: their words ("conflict", "Rights", "minutes")
    stay whole. A code with no break in it (a URL, ISBNs run together) still fits a 390 px phone."""
    app, container, _ = dashboard_app(tmp_path, monkeypatch)
    long_code = "https://feeds.example.com/onix/" + "9780007232833" * 5 + ".xml"
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        uow.exceptions.report(ExceptionKind.RIGHTS_CONFLICT, isbn=HELD, storefront="uk", field="SalesRights",
                              message="not licensed for sale in GB: the sales rights of the record name every "
                                      "country of the storefront but one, and the rights conflict with each "
                                      "other across the two composites the publisher sent " * 3 + long_code,
                              at=container.clock().now())
        uow.commit()
    with serving(app) as base:
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/dashboard")
        broken = page.evaluate(BROKEN_WORDS, "#exceptions-table td:not([data-label=message])")
        assert broken == [], f"words broken mid-word at {LAPTOP['width']} px: {broken}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= LAPTOP["width"], f"the page is {width} px wide at {LAPTOP['width']} px"
        page.set_viewport_size(PHONE_390)
        page.goto(f"{base}/dashboard")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_390["width"], f"the page is {width} px wide at {PHONE_390['width']} px"
        assert page.evaluate(BROKEN_WORDS, "#exceptions-table td:not([data-label=message])") == []
        page.close()


# The lines of each store instant's cell: its UTC time and each storefront's local time, each on its own lines.
INSTANT_LINES = """selector => [...document.querySelectorAll(selector)].map(cell =>
  [...cell.querySelectorAll('.utc, .local')].map(span => {
    const tops = [...span.getClientRects()].map(r => Math.round(r.top));
    return {text: span.innerText, top: Math.min(...tops), bottom: Math.max(...tops)};
  }))"""


def test_store_instants_show_each_storefronts_local_time_on_a_laptop_and_a_phone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: Any) -> None:
    """"Last runs › started" and "Scheduled jobs › next run" are the store's instants: in UTC, then each
    storefront's local time, a line each, at 1280 px and at a 390 px phone, no word broken, nothing wider than
    the screen."""
    app, _, _ = dashboard_app(tmp_path, monkeypatch)
    cells = "#runs td[data-label=started], #jobs td[data-label='next run']"
    with serving(app) as base:
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/dashboard")
        for viewport in (LAPTOP, PHONE_390):
            page.set_viewport_size(viewport)
            page.goto(f"{base}/dashboard")
            found = page.evaluate(INSTANT_LINES, cells)
            assert len(found) >= 2, found  # a run and a job at least
            for lines in found:
                assert [line["text"].split(":", 1)[0] for line in lines] == [
                    lines[0]["text"].split(":", 1)[0], "storefront 'uk'", "storefront 'us'"], lines
                assert lines[0]["text"].endswith(" UTC")
                assert "(Europe/London)" in lines[1]["text"] and "(America/New_York)" in lines[2]["text"]
                assert all(a["bottom"] < b["top"] for a, b in pairwise(lines)), f"not a line each: {lines}"
            assert page.evaluate(BROKEN_WORDS, cells) == [], f"words broken at {viewport['width']} px"
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"the page is {width} px wide at {viewport['width']} px"
        page.close()
