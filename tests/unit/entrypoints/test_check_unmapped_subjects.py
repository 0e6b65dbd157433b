"""`bookbridge check` counts the subject codes no category maps, per scheme, under the readiness report."""

from __future__ import annotations

from rich.console import Console

from bookbridge.application.readiness import ReadinessReport, StorefrontReadiness
from bookbridge.entrypoints.cli.check import print_readiness


def _printed(report: ReadinessReport) -> str:
    console = Console(record=True, width=200)
    print_readiness(console, report, "shop")
    return console.export_text()


def test_unmapped_subject_codes_are_counted_per_scheme_and_absent_when_all_map():
    report = ReadinessReport(families=2, editions=3, delisted=0, by_code={},
                             storefronts=(StorefrontReadiness("uk", 3, blocked=0, listed=3),),
                             unmapped_subjects={"bisac": 2, "thema": 5})
    assert "Subject codes with no category (warnings, see [mapping] categories): bisac 2, thema 5" in _printed(report)
    report = ReadinessReport(families=2, editions=3, delisted=0, by_code={},
                             storefronts=(StorefrontReadiness("uk", 3, blocked=0, listed=3),))
    assert "Subject codes with no category" not in _printed(report)
