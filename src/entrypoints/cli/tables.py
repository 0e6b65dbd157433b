"""The CLI's tables print whole values: on a narrow terminal a column wraps between words, never inside one, and
nothing is cut with an ellipsis; where even that cannot fit, the rows print as plain `header: value` lines instead.

Rich fits a table to the terminal by narrowing its widest columns, whatever they hold: an ISBN becomes
`97818000…`, a format `eBook` over `(EPUB)`, a title `Archipel` over `ago`. `WholeTable` gives each column at
least its longest word (a column that must not wrap, its longest value) and shares out the rest of the width in
proportion to what each column would still take.

Which columns must not wrap is said where a table is made (`no_wrap=True`): values with spaces that are read as
one (an instant, `2026-12-05 00:00 EST (America/New_York)`; a format, `eBook (EPUB)`). A value without spaces
(an ISBN, an id, a code, a URL) is one word, so it is whole anyway. A count's header (a right-aligned column) may
break where the table would not fit otherwise; `tests/integration/test_cli_tables_fit.py` shows every table
command at 60, 80, 100 and 120 columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

COUNT_HEADER_PIECE = 5  # the narrowest a right-aligned column's header breaks into


class WholeTable(Table):
    """A rich `Table` that never cuts a word: laid out whole, or, where it cannot fit, each row as plain
    `header: value` lines that the terminal wraps between words."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        available = options.max_width - self._overhead()
        spans = [_span(console, options, column, show_header=self.show_header) for column in self.columns]
        if sum(s.minimum for s in spans) > available:  # before giving up the table: counts' headers break
            spans = [_span(console, options, column, show_header=self.show_header, break_count_header=True)
                     for column in self.columns]
        least, most = sum(s.minimum for s in spans), sum(s.maximum for s in spans)
        if most <= available or not self.columns:  # rich lays it out as wide as its values: nothing to narrow
            # As wide as its title too, where the terminal has room: a title never breaks inside a quoted name
            # (`store 'demo` over `store'`) over a table narrower than itself.
            was = self.min_width
            self.min_width = max(was or 0, min(self._title_width(console), options.max_width))
            try:
                yield from super().__rich_console__(console, options)
            finally:
                self.min_width = was
        elif least > available:
            yield from self._plain_lines(options.max_width)
        else:
            saved = [(column.width, column.overflow) for column in self.columns]
            for column, width in zip(self.columns, shared_widths(spans, available), strict=True):
                column.width = width
                if column.justify == "right":  # its header breaks rather than is cut; its values fit whole
                    column.overflow = "fold"
            try:
                yield from super().__rich_console__(console, options)
            finally:
                for column, (was, overflow) in zip(self.columns, saved, strict=True):
                    column.width, column.overflow = was, overflow

    def _title_width(self, console: Console) -> int:
        if not self.title:
            return 0
        title = self.title if isinstance(self.title, Text) else console.render_str(str(self.title))
        return title.cell_len

    def _overhead(self) -> int:
        """The columns' padding and the borders: the width that is not the values'."""
        _, right, _, left = self.padding
        borders = (len(self.columns) - 1 + (2 if self.show_edge else 0)) if self.box else 0
        return len(self.columns) * (left + right) + borders

    def _plain_lines(self, width: int) -> Iterator[Text | str]:
        """The title, then each row as a block of `header: value` lines (a blank line between rows); a table
        without headers (`field`, `value`), one `field: value` line a row. A value of several lines, or a whole
        value (a column that must not wrap) too long to follow its header, goes under the header, a line each,
        indented."""
        if self.title:
            yield self.title if isinstance(self.title, (str, Text)) else str(self.title)
        cells = [list(column.cells) for column in self.columns]
        for row in range(self.row_count):
            values = [(column, _text(found[row] if row < len(found) else ""))
                      for column, found in zip(self.columns, cells, strict=True)]
            values = [(column, text) for column, text in values if text.plain]
            if not self.show_header:
                yield Text(": ").join(text for _, text in values)
                continue
            if row:
                yield ""
            for column, text in values:
                yield from _field(str(column.header), text, whole=column.no_wrap, width=width)
        if self.caption:
            yield self.caption if isinstance(self.caption, (str, Text)) else str(self.caption)


def _field(header: str, value: Text, *, whole: bool, width: int) -> Iterator[Text]:
    label = f"{header}: " if header else ""
    lines = value.split("\n")
    if len(lines) == 1 and not (whole and len(label) + value.cell_len > width):
        yield Text.assemble(label, value)  # the terminal's width wraps it between words
        return
    if header:
        yield Text(f"{header}:")
    for line in lines:  # a whole value wider than the terminal breaks at its edge rather than lose its end
        yield Text.assemble("  ", line, no_wrap=whole and line.cell_len + 2 <= width, overflow="fold")


def _text(cell: object) -> Text:
    """A cell as text: rich markup read (the cells are escaped where they hold data), anything else empty."""
    if isinstance(cell, Text):
        return cell.copy()
    return Text.from_markup(cell) if isinstance(cell, str) else Text()


def _span(console: Console, options: ConsoleOptions, column: Column, *, show_header: bool = True,
          break_count_header: bool = False) -> Measurement:
    """The least width that keeps a column's words whole (its whole values, if it must not wrap), and the width
    of its longest value; both without padding."""
    if column.width is not None:
        return Measurement(column.width, column.width)
    header, *cells = [Measurement.get(console, options.update_width(10_000), cell)
                      for cell in (column.header if show_header else "", *column.cells)]
    least = max((m.maximum if column.no_wrap else m.minimum for m in cells), default=1)
    # A count's header may break (`uncha` / `nged`) where the table would not fit otherwise, so that it stays a
    # table; no other header does, and a count's value never does.
    counts = break_count_header and column.justify == "right"
    least = max(least, min(header.minimum, COUNT_HEADER_PIECE) if counts else header.minimum)
    most = max((m.maximum for m in (header, *cells)), default=1)
    least = max(least, column.min_width or 0)
    return Measurement(least, max(most, least))


def shared_widths(spans: Sequence[Measurement], available: int) -> list[int]:
    """Each column its least width, and the width left over shared in proportion to what each would still take
    (`available` lies between the sum of the least widths and the sum of the widest)."""
    wants = [s.maximum - s.minimum for s in spans]
    spare = available - sum(s.minimum for s in spans)
    total = sum(wants) or 1
    widths = [s.minimum + spare * want // total for s, want in zip(spans, wants, strict=True)]
    left = available - sum(widths)
    for i in sorted(range(len(spans)), key=lambda i: -wants[i]):  # the rounding's remainder, to the widest
        if left <= 0:
            break
        if widths[i] < spans[i].maximum:
            widths[i] += 1
            left -= 1
    return widths

