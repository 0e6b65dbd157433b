"""Soak: the stateful sync test (tests/integration/test_sync_stateful.py) with random data, many examples.

    .venv/bin/python -m benchmarks.soak_stateful              # 200 random examples
    .venv/bin/python -m benchmarks.soak_stateful 500          # more
    .venv/bin/python -m benchmarks.soak_stateful 200 --seed 18815123099908327629367598875540350420

Not part of CI nor of `python -m benchmarks`: it takes tens of minutes. It runs the test in a child pytest under
the `dev` Hypothesis profile (random, not derandomized: `CI` is removed from its environment) and prints the
outcome, the time taken, and on a failure the seed and the shrunk steps to keep as a regression test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TEST = "tests/integration/test_sync_stateful.py"


def main(argv: list[str]) -> int:
    examples = int(argv[0]) if argv and argv[0].isdigit() else 200
    seed = argv[argv.index("--seed") + 1] if "--seed" in argv else None
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["BOOKBRIDGE_STATEFUL_EXAMPLES"] = str(examples)
    command = [sys.executable, "-m", "pytest", TEST, "-q", "-x", "-p", "no:randomly", "--hypothesis-profile=dev",
               "--hypothesis-show-statistics", *([f"--hypothesis-seed={seed}"] if seed else [])]
    root = Path(__file__).resolve().parents[1]
    started = time.monotonic()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    lines = result.stdout.splitlines()
    steps = [line for line in lines if "state." in line or "Falsifying" in line or "hypothesis-seed" in line]
    print(f"stateful sync soak: {examples} examples, {'passed' if result.returncode == 0 else 'FAILED'} "
          f"in {elapsed / 60:.1f} min")
    if result.returncode != 0:
        print("\n".join(steps[-60:]) or result.stdout[-4000:])
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
