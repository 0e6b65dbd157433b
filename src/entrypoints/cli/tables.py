"""The CLI's tables print whole values: on a narrow terminal a column wraps between words, never inside one, and
nothing is cut with an ellipsis; where even that cannot fit, the rows print as plain `header: value` lines instead.

Rich fits a table to the terminal by narrowing its widest columns, whatever they hold: an ISBN becomes
`97818000…`, a format `eBook` over `(EPUB)`, a title `Archipel` over `ago`. `WholeTable` gives each column at
least its longest word (a column that must not wrap, its longest value) and shares out the rest of the width in
proportion to what each column would still take.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text


class WholeTable(Table):
    """A rich `Table` that never cuts a word: laid out whole, or, where it cannot fit, each row as plain
    `header: value` lines that the terminal wraps between words."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        available = options.max_width - self._overhead()
        spans = [_span(console, options, column, show_header=self.show_header) for column in self.columns]
        least, most = sum(s.minimum for s in spans), sum(s.maximum for s in spans)
        if most <= available or not self.columns:  # rich lays it out as wide as its values: nothing to narrow
            yield from super().__rich_console__(console, options)
        elif least > available:
            yield from self._plain_lines()
        else:
            saved = [column.width for column in self.columns]
            for column, width in zip(self.columns, shared_widths(spans, available), strict=True):
                column.width = width
            try:
                yield from super().__rich_console__(console, options)
            finally:
                for column, was in zip(self.columns, saved, strict=True):
                    column.width = was

    def _overhead(self) -> int:
        """The columns' padding and the borders: the width that is not the values'."""
        _, right, _, left = self.padding
        borders = (len(self.columns) - 1 + (2 if self.show_edge else 0)) if self.box else 0
        return len(self.columns) * (left + right) + borders

    def _plain_lines(self) -> Iterator[Text | str]:
        """The title, then each row as a block of `header: value` lines (a blank line between rows); a table
        without headers (`field`, `value`), one `field: value` line a row."""
        if self.title:
            yield self.title if isinstance(self.title, (str, Text)) else str(self.title)
        cells = [list(column.cells) for column in self.columns]
        for row in range(self.row_count):
            values = [(str(column.header) if self.show_header else "", _text(found[row] if row < len(found) else ""))
                      for column, found in zip(self.columns, cells, strict=True)]
            values = [(header, text) for header, text in values if text.plain]
            if not self.show_header:
                yield Text(": ").join(text for _, text in values)
                continue
            if row:
                yield ""
            for header, text in values:
                yield Text.assemble(f"{header}: " if header else "", text)
        if self.caption:
            yield self.caption if isinstance(self.caption, (str, Text)) else str(self.caption)


def _text(cell: object) -> Text:
    """A cell as text: rich markup read (the cells are escaped where they hold data), anything else empty."""
    if isinstance(cell, Text):
        return cell.copy()
    return Text.from_markup(cell) if isinstance(cell, str) else Text()


def _span(console: Console, options: ConsoleOptions, column: Column, *, show_header: bool = True) -> Measurement:
    """The least width that keeps a column's words whole (its whole values, if it must not wrap), and the width
    of its longest value; both without padding."""
    if column.width is not None:
        return Measurement(column.width, column.width)
    measured = [Measurement.get(console, options.update_width(10_000), cell)
                for cell in ((column.header, *column.cells) if show_header else tuple(column.cells))]
    least = max((m.maximum if column.no_wrap else m.minimum for m in measured), default=1)
    most = max((m.maximum for m in measured), default=1)
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

