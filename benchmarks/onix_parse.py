"""Benchmark the ONIX 3.0 parser: products per second and peak RSS, one child process per size.

    .venv/bin/python -m benchmarks.onix_parse                 # 10,000 and 100,000 products
    .venv/bin/python -m benchmarks.onix_parse 1000 50000      # other sizes

Each size is generated into a temporary directory: about 1.5 KB per product (identifier, form, a measure,
title, contributor, extent, subject, description, imprint, status, publication date, sales rights, work link,
alternative-format link, availability and a price in the header's default currency). Products come in pairs:
two formats of one work, sharing title, contributor and description, as in a publisher's catalogue.
Two measurements per size, each in a fresh child process so `ru_maxrss` is that run's peak (wall and CPU time
are both reported: on a shared machine CPU time is the steadier figure):
- stream: iterate `OnixReader` (parse and map every Product to an OnixRecord, then drop it);
- read:   `read_onix` (the whole file as a SourceRead: every Edition is held, grouped into families).
And the ratio to the limit (#17): in one child process, a bare `lxml.etree.iterparse` loop over the same file
(reading every element's text, clearing as it goes) and `OnixReader`, in turn three times; the best CPU time of
each, as products per CPU-second, and their ratio.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<ONIXMessage xmlns="http://ns.editeur.org/onix/3.0/reference" release="3.0">
<Header><Sender><SenderName>Bench Books</SenderName></Sender><SentDateTime>20260101</SentDateTime>
<DefaultLanguageOfText>eng</DefaultLanguageOfText><DefaultCurrencyCode>GBP</DefaultCurrencyCode></Header>
"""

PRODUCT = """<Product><RecordReference>{isbn}</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductComposition>00</ProductComposition><ProductForm>BC</ProductForm>
<Measure><MeasureType>01</MeasureType><Measurement>198</Measurement><MeasureUnitCode>mm</MeasureUnitCode></Measure>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>Book Number {work}</TitleText></TitleElement></TitleDetail>
<Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
<PersonName>Author {work}</PersonName></Contributor>
<Extent><ExtentType>00</ExtentType><ExtentValue>320</ExtentValue><ExtentUnit>03</ExtentUnit></Extent>
<Subject><MainSubject/><SubjectSchemeIdentifier>93</SubjectSchemeIdentifier><SubjectCode>FF</SubjectCode></Subject>
</DescriptiveDetail><CollateralDetail><TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>
<Text>A gripping story, number {work}.</Text></TextContent></CollateralDetail>
<PublishingDetail><Imprint><ImprintName>Bench</ImprintName></Imprint><PublishingStatus>04</PublishingStatus>
<PublishingDate><PublishingDateRole>01</PublishingDateRole><Date>20250301</Date></PublishingDate>
<SalesRights><SalesRightsType>01</SalesRightsType><Territory><RegionsIncluded>WORLD</RegionsIncluded></Territory>
</SalesRights></PublishingDetail><RelatedMaterial><RelatedWork><WorkRelationCode>01</WorkRelationCode><WorkIdentifier>
<WorkIDType>01</WorkIDType><IDValue>w{work}</IDValue></WorkIdentifier></RelatedWork><RelatedProduct>
<ProductRelationCode>06</ProductRelationCode><ProductIdentifier><ProductIDType>15</ProductIDType>
<IDValue>{other}</IDValue></ProductIdentifier></RelatedProduct></RelatedMaterial>
<ProductSupply><SupplyDetail><Supplier><SupplierRole>01</SupplierRole></Supplier><ProductAvailability>20</ProductAvailability>
<Price><PriceType>02</PriceType><PriceAmount>8.99</PriceAmount></Price></SupplyDetail></ProductSupply></Product>
"""


PRODUCT_TAG = "{http://ns.editeur.org/onix/3.0/reference}Product"


def isbn13(n: int) -> str:
    body = f"979{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def generate(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            partner = n + 1 if n % 2 == 0 else n - 1  # two formats per work, linked as alternatives (06)
            out.write(PRODUCT.format(isbn=isbn13(n), other=isbn13(partner), work=n // 2))
        out.write("</ONIXMessage>\n")


def bare_iterparse(path: str) -> int:
    """The limit: lxml's iterparse over the file, reading every element's text and clearing as it goes."""
    from lxml import etree

    products = 0
    for _event, element in etree.iterparse(path, events=("end",)):
        element.text  # noqa: B018  # read, as the reader reads every field
        if element.tag == PRODUCT_TAG:  # a Product read whole: clear it and drop it (clearing less costs less)
            products += 1
            element.clear(keep_tail=False)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    return products


def stream(path: str) -> int:
    from bookbridge.adapters.onix.parser import OnixReader

    return sum(1 for _ in OnixReader(path))


def ratio_child(path: str, repeats: int) -> None:
    """Bare iterparse and the reader in turn, in this one process; the best CPU time of each."""
    best = {"bare": float("inf"), "stream": float("inf")}
    counts = {}
    for _ in range(repeats):
        for name, run in (("bare", bare_iterparse), ("stream", stream)):
            started = _cpu()
            counts[name] = run(path)
            best[name] = min(best[name], _cpu() - started)
    assert counts["bare"] == counts["stream"], counts
    print(json.dumps({"products": counts["stream"], "bare_cpu": best["bare"], "stream_cpu": best["stream"]}))


def child(path: str, mode: str) -> None:
    from bookbridge.adapters.onix.parser import OnixReader, read_onix

    start = time.perf_counter()
    cpu_start = _cpu()
    if mode == "stream":
        products = sum(1 for _ in OnixReader(path))
    else:
        read = read_onix(path)
        products = sum(len(f.editions) for f in read.families)
    elapsed = time.perf_counter() - start
    cpu = _cpu() - cpu_start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"products": products, "seconds": elapsed, "cpu": cpu, "peak_mb": peak_kib / 1024}))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(sizes: list[int]) -> None:
    rows = []
    ratios = []
    with tempfile.TemporaryDirectory(prefix="onix-bench-") as folder:
        for size in sizes:
            path = Path(folder) / f"bench-{size}.xml"
            generate(path, size)
            megabytes = path.stat().st_size / 1e6
            out = subprocess.run([sys.executable, "-m", "benchmarks.onix_parse", "--ratio", str(path), "3"],
                                 check=True, capture_output=True, text=True).stdout
            ratios.append((size, json.loads(out.strip().splitlines()[-1])))
            for mode in ("stream", "read"):
                out = subprocess.run([sys.executable, "-m", "benchmarks.onix_parse", "--child", str(path), mode],
                                     check=True, capture_output=True, text=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                rows.append((size, megabytes, mode, result))
    print("| products | file MB | mode | wall s | products/s (wall) | CPU s | products/CPU-s | peak RSS MB |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for size, megabytes, mode, r in rows:
        print(f"| {size:,} | {megabytes:.1f} | {mode} | {r['seconds']:.2f} | {r['products'] / r['seconds']:,.0f} "
              f"| {r['cpu']:.2f} | {r['products'] / r['cpu']:,.0f} | {r['peak_mb']:.0f} |")
    print("\n| products | bare iterparse (products/CPU-s) | OnixReader (products/CPU-s) | ratio (goal >= 0.33) |")
    print("|---:|---:|---:|---:|")
    for size, r in ratios:
        print(f"| {size:,} | {r['products'] / r['bare_cpu']:,.0f} | {r['products'] / r['stream_cpu']:,.0f} "
              f"| {r['bare_cpu'] / r['stream_cpu']:.2f} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
    elif len(sys.argv) > 1 and sys.argv[1] == "--ratio":
        ratio_child(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
