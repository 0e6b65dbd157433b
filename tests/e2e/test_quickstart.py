"""The README's quick start, run as a new user would: in a clean copy of the checkout, with a fresh `.venv`.

The two commands are read from the README's first code block, so the test follows the README. The demo
command runs as it is. The test command would run this very suite again inside itself, so it runs with
`PYTEST_ADDOPTS` naming one small test file: that proves the command works in a fresh checkout (the venv is
made, bookbridge and its test extra install from the project's own files, pytest collects and passes)
without doubling the CI run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block, "README.md must open with a ```sh block holding the quick-start commands"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [c for c in commands if c]


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    return [name for name in listed.stdout.split("\0") if name]


@pytest.fixture(scope="module")
def clean_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files git tracks (as they are in the work tree), and nothing else: no .venv, no caches."""
    copy = tmp_path_factory.mktemp("fresh") / "bookbridge"
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return copy


def run(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST_", "BOOKBRIDGE_"))}
    environment.update(env, COLUMNS="200")
    return subprocess.run(shlex.split(command), cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=900)


def test_the_readme_opens_with_exactly_the_two_quick_start_commands() -> None:
    assert quick_start_commands() == ["make demo", "make test"]


def test_the_quick_start_works_in_a_clean_copy(clean_copy: Path) -> None:
    demo_command, test_command = quick_start_commands()
    assert not (clean_copy / ".venv").exists()

    demo = run(demo_command, clean_copy)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert (clean_copy / ".venv" / "bin" / "bookbridge").exists()
    report = demo.stdout
    created = re.search(r"│ store 'demo store'\s+│\s+(\d+) │", report)
    assert created and int(created.group(1)) > 0, "the demo report shows no synced products"
    launches = re.search(r"(\d+) launches \(\d+ store changes?\) and (\d+) campaign flips", report)
    assert launches and int(launches.group(1)) > 0 and int(launches.group(2)) > 0, report[-2000:]
    assert re.search(r"goes on sale \(storefront '(uk|us)'\)", report)  # a launch, as `bookbridge jobs` says it
    sales = re.search(r"(\d+) orders, 1 cancelled \(not counted\), 1 refunded \(its units taken back\): "
                      r"(\d+) units sold", report)
    assert sales and int(sales.group(1)) > 0 and int(sales.group(2)) > 0, report[-2000:]

    tests = run(test_command, clean_copy, PYTEST_ADDOPTS="-q -p no:cacheprovider tests/unit/domain/test_isbn.py")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout[-2000:]
