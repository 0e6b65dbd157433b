"""`python -m benchmarks [name ...]` (what `make bench` runs): each named benchmark, or all of them, in turn.

Each runs as `python -m benchmarks.<name>` with its defaults, in its own process (and each of those runs its
sizes in fresh child processes), so one benchmark's memory never shows in another's figures.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("plan_catalogue", "onix_parse", "onix_text_run", "bigcommerce_sync", "webhook_intake", "launch_latency",
              "sandbox_scale", "campaign_flip", "jobs_ahead")


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names or BENCHMARKS:
        print(f"## {name}\n", flush=True)
        subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], check=True)
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
