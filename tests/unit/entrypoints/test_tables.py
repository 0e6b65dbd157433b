"""`WholeTable`'s one rule on a narrow terminal: values stay whole; a count's header breaks only where the table
would not fit otherwise; a table that cannot fit prints `header: value` lines, a long whole value under its
header."""

from __future__ import annotations

import io

from bookbridge.entrypoints.cli.tables import WholeTable


def _shown(table: WholeTable, width: int) -> str:
    from rich.console import Console

    console = Console(width=width, force_terminal=True, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def _counts() -> WholeTable:
    table = WholeTable(title="Order import")
    for column in ("orders read", "lines counted", "facts changed", "problems", "stale"):
        table.add_column(column, justify="right")
    table.add_row("1", "1", "0", "0", "0")
    return table


def test_a_counts_header_breaks_only_where_the_table_would_not_fit_otherwise():
    roomy = _shown(_counts(), 60)
    assert "┃ problems ┃" in roomy, roomy  # 60 columns hold every header's words: none breaks
    tight = _shown(_counts(), 44)  # a table still, its counts whole
    assert "┃" in tight and "…" not in tight and all(len(line) <= 44 for line in tight.splitlines()), tight


def test_a_whole_value_too_long_to_follow_its_header_goes_under_it_on_one_line():
    table = WholeTable(title="Scheduled jobs")
    for column in ("next run", "in the storefronts' time zones", "id"):
        table.add_column(column, no_wrap=True)
    zones = "uk: 2031-01-15 05:00 GMT (Europe/London)\nus: 2031-01-15 00:00 EST (America/New_York)"
    table.add_row("2031-01-15 05:00 UTC", zones, "at:shop:2031-01-15T05:00:00+00:00")
    out = _shown(table, 46)
    assert "┃" not in out, out  # it cannot fit 46 columns as a table
    assert "in the storefronts' time zones:\n  uk: 2031-01-15 05:00 GMT (Europe/London)\n  us: 2031-01-15 00:00 EST " \
           "(America/New_York)\n" in out, out
    assert "next run: 2031-01-15 05:00 UTC\n" in out and "id: at:shop:2031-01-15T05:00:00+00:00\n" in out, out
    narrower = _shown(table, 30)  # wider than the terminal: broken at its edge, never cut short
    assert "at:shop:2031-01-15T05:00:00+00:00" in "".join(narrower.split()), narrower
    assert all(len(line) <= 30 for line in narrower.splitlines()) and "(America/New_York)" in narrower, narrower


def test_a_title_wider_than_a_narrow_table_stays_on_one_line_where_the_terminal_has_room():
    """`Plan for store 'demo store'` over a two-column table: the quoted name is never broken inside."""
    table = WholeTable(title="Plan for store 'demo store'")
    table.add_column("plan")
    table.add_column("count", justify="right")
    table.add_row("create", "114")
    shown = _shown(table, 80)
    assert "Plan for store 'demo store'" in shown, shown
    assert all(len(line) <= 80 for line in shown.splitlines())
