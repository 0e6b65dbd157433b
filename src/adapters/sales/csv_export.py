"""The `csv` sales sink: one CSV file per day, replaced whole on every re-export (docs/sales-export.md).

Layout (RFC 4180, UTF-8, header row, CRLF line ends), one row per ISBN, format, storefront and currency:

    isbn,format,storefront,day,quantity,net_amount,currency
    9780141036144,paperback,uk,2026-11-27,3,23.97,GBP

`net_amount` is ex-tax after discounts and refunds, a decimal with the currency's minor units (half up: `23.97`
GBP, `1500` JPY; `bookbridge.application.money`). A key whose sales were all cancelled
or refunded is left out, but its day's file is still rewritten, so the cancellation reaches the importer.
Each file is written to a temporary file in the same directory, flushed to disk, then renamed over the old one:
a reader sees the old day or the new day, never half a file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bookbridge.application.money import money_amount
from bookbridge.domain.ports import SalesFact, SalesSink

# The documented layout an importer is set up against (docs/sales-export.md): never a column inserted or moved. The
# format is its code alone; the report's CSV, for people, adds its name (`format_name`).
COLUMNS = ("isbn", "format", "storefront", "day", "quantity", "net_amount", "currency")


class CsvSalesSink(SalesSink):
    def __init__(self, directory: Path, *, name: str = "csv", prefix: str = "sales-") -> None:
        if not prefix or any(sep in prefix for sep in ("/", "\\")) or prefix in (".", ".."):
            raise ValueError(f"sales sink {name!r}: prefix {prefix!r} must be a plain file-name prefix")
        self.name = name
        self.directory = directory
        self.prefix = prefix

    def path_for(self, day: date) -> Path:
        return self.directory / f"{self.prefix}{day.isoformat()}.csv"

    def write(self, facts: Sequence[SalesFact]) -> None:
        by_day: dict[date, list[SalesFact]] = {}
        for fact in facts:
            by_day.setdefault(fact.day, []).append(fact)
        self.directory.mkdir(parents=True, exist_ok=True)
        for day, day_facts in sorted(by_day.items()):
            self._write_day(day, day_facts)

    def _write_day(self, day: date, facts: Sequence[SalesFact]) -> None:
        rows = sorted((f for f in facts if f.counts),
                      key=lambda f: (f.storefront, f.isbn, f.format, f.currency))
        handle, temporary = tempfile.mkstemp(prefix=f".{self.prefix}{day.isoformat()}.", suffix=".tmp",
                                             dir=self.directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(COLUMNS)
                for f in rows:
                    writer.writerow((f.isbn, f.format, f.storefront, f.day.isoformat(), f.quantity,
                                     money_amount(f.net_amount, f.currency), f.currency))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path_for(day))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
