"""Benchmark the ONIX reader on one very long text node: the cost must grow linearly with its size.

    .venv/bin/python -m benchmarks.onix_text_run             # TitleText runs of 10, 40 and 160 MB
    .venv/bin/python -m benchmarks.onix_text_run 5 20 80     # other sizes, in MB

Each size is one Product whose TitleText is N MB of letters (no markup inside), read by `OnixReader` in a fresh
child process. The table gives wall and CPU time and peak RSS; each ratio line compares a size's CPU time with
the smaller one's, scaled by the size ratio: 1.0 is linear, and the goal is at most 1.3 (a reader that rescans
what it has already read shows about 4 per fourfold step).
"""

from __future__ import annotations

import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.onix_parse import HEADER, PRODUCT, isbn13

_BLOCK = ("Long title text " * 4096).encode()  # 64 KiB of letters and spaces


def generate(path: Path, megabytes: int) -> None:
    product = PRODUCT.format(isbn=isbn13(1), other=isbn13(2), work=1)
    head, tail = product.split("Book Number 1", 1)
    total = megabytes * 1_000_000
    with path.open("wb") as out:
        out.write(HEADER.encode() + head.encode())
        written = 0
        while written < total:
            block = _BLOCK[: total - written]
            out.write(block)
            written += len(block)
        out.write(tail.encode() + b"</ONIXMessage>\n")


def child(path: str) -> None:
    from bookbridge.adapters.onix.parser import OnixReader

    start = time.perf_counter()
    cpu_start = _cpu()
    titles = [len(record.fields.get("title") or "") for record in OnixReader(path)]
    result = {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu_start, "products": len(titles),
              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(json.dumps(result))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(sizes: list[int]) -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="onix-text-bench-") as folder:
        for size in sizes:
            path = Path(folder) / f"text-{size}.xml"
            generate(path, size)
            out = subprocess.run([sys.executable, "-m", "benchmarks.onix_text_run", "--child", str(path)],
                                 check=True, capture_output=True, text=True).stdout
            rows.append((size, json.loads(out.strip().splitlines()[-1])))
            path.unlink()
    print("| text run MB | products | wall s | CPU s | MB per CPU-s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size, r in rows:
        print(f"| {size} | {r['products']} | {r['seconds']:.2f} | {r['cpu']:.2f} | {size / r['cpu']:.0f} "
              f"| {r['peak_mb']:.0f} |")
    print()
    for (small, a), (large, b) in itertools.pairwise(rows):
        ratio = (b["cpu"] / a["cpu"]) / (large / small)
        print(f"{large} MB vs {small} MB: CPU time x{b['cpu'] / a['cpu']:.2f} for x{large / small:g} the size, "
              f"{ratio:.2f} of linear")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main([int(a) for a in sys.argv[1:]] or [10, 40, 160])
