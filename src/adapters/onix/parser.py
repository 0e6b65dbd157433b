"""ONIX 3.0 parser: a file in, `OnixRecord`s out (streaming), and a whole file as a `SourceRead`.

    reader = OnixReader("feed.xml")
    for record in reader:          # one OnixRecord per Product, in flat memory
        ...
    reader.problems                # file-level problems (namespace, test records, ...)

    read = read_onix("feed.xml", previous_edition=store.edition, validate=True)   # -> SourceRead

A bad record never stops the file: each defect becomes a Problem naming the record, the line and the element.
A record without a valid ISBN (or title) is skipped; lesser defects keep it. A file that is not well-formed XML
raises OnixFileError naming the file, the line and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from bookbridge.adapters.onix import codes
from bookbridge.adapters.onix.assembly import Assembly
from bookbridge.adapters.onix.commerce import map_publishing, map_related, map_supply, product_isbn
from bookbridge.adapters.onix.context import HeaderDefaults, Mapper, children, first_text, source_line, text
from bookbridge.adapters.onix.descriptive import map_collateral, map_descriptive
from bookbridge.adapters.onix.reader import MessageInfo, first, iter_message, namespace_is_standard
from bookbridge.adapters.onix.records import OnixRecord
from bookbridge.adapters.onix.validation import validation_problems
from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import SourceRead
from bookbridge.domain.problems import Problem, Severity

PreviousEdition = Callable[[ISBN13], Edition | None]


def read_header(element: etree._Element) -> HeaderDefaults:
    return HeaderDefaults(
        currency=text(element, "DefaultCurrencyCode"),
        price_type=text(element, "DefaultPriceType"),
        language=text(element, "DefaultLanguageOfText"),
    )


def parse_product(element: etree._Element, defaults: HeaderDefaults = HeaderDefaults(),
                  source: str | None = None) -> OnixRecord:
    """Map one normalised Product element. Never raises for bad content: see `record.problems`."""
    parts = children(element)
    blocks = {tag: parts[tag][0] for tag in codes.BLOCKS if tag in parts}
    record = OnixRecord(
        record_reference=first_text(parts, "RecordReference"),
        notification_type=first_text(parts, "NotificationType"),
        line=source_line(element),
        blocks_present=frozenset(blocks),
        source=source,
    )
    m = Mapper(record, defaults, source)
    if record.notification_type is None:
        m.problem("missing-notification-type", "Product without NotificationType; read as 03 (full record)",
                  field="NotificationType")
    elif record.notification_type not in codes.NOTIFICATION_TYPES:
        m.problem("unknown-code", f"NotificationType {record.notification_type!r} is not in List 1",
                  first(element, "NotificationType"))
    if record.notification_type in codes.TEST_RECORDS:
        return record  # skipped by the caller; nothing else is read
    try:
        record.isbn = product_isbn(m, parts.get("ProductIdentifier", ()), reference="Product")
    except InvalidISBN as exc:
        record.raw_isbn = str(exc.value)
        m.problem("invalid-isbn", f"{exc}; not read", _id_value(element, record.raw_isbn),
                  severity=Severity.BLOCKING)
    else:
        if record.isbn is None:
            m.problem("missing-isbn", "no ProductIdentifier of type 15 (ISBN-13) or 03 (GTIN-13); not read",
                      field="ProductIdentifier", severity=Severity.BLOCKING)
    if record.notification_type == codes.DELETE:
        return record  # a delete needs only the ISBN
    block = blocks.get("DescriptiveDetail")
    if block is not None:
        record.fields.update(map_descriptive(m, block))
    elif record.notification_type != codes.BLOCK_UPDATE:
        m.problem("missing-title", "no DescriptiveDetail, so no title or form; not read",
                  field="DescriptiveDetail", severity=Severity.BLOCKING)
    if (block := blocks.get("CollateralDetail")) is not None:
        record.fields.update(map_collateral(m, block))
    if (block := blocks.get("PublishingDetail")) is not None:
        record.fields.update(map_publishing(m, block))
    if (block := blocks.get("RelatedMaterial")) is not None:
        record.fields.update(map_related(m, block))
    supplies = parts.get("ProductSupply")
    if supplies:
        record.fields.update(map_supply(m, supplies))
    return record


def _id_value(element: etree._Element, value: str) -> etree._Element | None:
    return next((n for n in element.iterfind("ProductIdentifier/IDValue") if text(n) == value.strip()), None)


class OnixReader:
    """Iterate the Products of one ONIX 3.0 file as OnixRecords. File-level problems collect in `problems`."""

    def __init__(self, path: str | Path, *, source: str | None = None, follow_symlinks: bool = True) -> None:
        self.path = Path(path)
        self.follow_symlinks = follow_symlinks
        self.source = source or self.path.name
        self.info = MessageInfo()
        self.defaults = HeaderDefaults()
        self.problems: list[Problem] = []

    def __iter__(self) -> Iterator[OnixRecord]:
        checked = False
        for element in iter_message(self.path, self.info, follow_symlinks=self.follow_symlinks):
            if not checked:
                checked = True
                self._check_namespace(element)
            if element.tag == "Header":
                self.defaults = read_header(element)
                continue
            yield parse_product(element, self.defaults, self.source)

    def _check_namespace(self, element: etree._Element) -> None:
        if not namespace_is_standard(self.info):
            found = f"namespace {self.info.namespace!r}" if self.info.namespace else "no namespace"
            self.problems.append(Problem(
                code="nonstandard-namespace", severity=Severity.WARNING, source=self.source,
                line=source_line(element), field=self.info.root,
                message=f"{found} instead of the ONIX 3.0 namespace; read by local names",
            ))


def read_onix(path: str | Path, *, previous_edition: PreviousEdition | None = None, validate: bool = False,
              complete: bool = False, source: str | None = None) -> SourceRead:
    """Read a whole file into families, delistings and problems. Raises OnixFileError for an unreadable file."""
    reader = OnixReader(path, source=source)
    assembly = Assembly(previous_edition, source=reader.source)
    for record in reader:
        assembly.add(record)
    problems = list(reader.problems)
    if validate:
        problems += validation_problems(reader.path, source=reader.source)
    return assembly.result(extra_problems=problems, complete=complete)
