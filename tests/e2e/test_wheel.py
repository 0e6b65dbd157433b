"""The wheel carries everything: the four top-level packages, package data, and the entry points.

`bookbridge --help` and `bookbridge demo` run from the unpacked wheel alone (the checkout's src/ is not on
the path), with the dependencies of the test environment.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, text=True)
    [built] = out.glob("bookbridge-*.whl")
    return built


def test_the_wheel_holds_the_packages_their_data_and_the_entry_points(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("domain", "application", "adapters", "entrypoints"):
        assert f"{package}/__init__.py" in names
    for data in ("adapters/consonance/queries/works.graphql", "adapters/consonance/standin/schema.graphql",
                 "adapters/consonance/standin/sample_catalogue.json", "adapters/persistence/migrations/env.py",
                 "adapters/persistence/migrations/script.py.mako", "domain/py.typed"):
        assert data in names, data
    assert any(n.startswith("adapters/persistence/migrations/versions/0001") for n in names)
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "bookbridge = entrypoints.cli:main" in text
    for plugin in ("bigcommerce", "consonance", "memory", "onix", "sample"):
        assert f"{plugin} = adapters." in text


def test_help_and_demo_run_from_the_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    script = (
        "import sys\n"
        f"sys.path = [p for p in sys.path if not p.startswith({str(ROOT / 'src')!r})]\n"
        f"sys.path.insert(0, {str(unpacked)!r})\n"
        "import entrypoints\n"
        f"assert entrypoints.__file__.startswith({str(unpacked)!r}), entrypoints.__file__\n"
        "from entrypoints.cli import main\n"
        "sys.argv = ['bookbridge', *sys.argv[1:]]\n"
        "main()\n"
    )
    env_cwd = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 300}
    helped = subprocess.run([sys.executable, "-c", script, "--help"], **env_cwd)  # type: ignore[call-overload]
    assert helped.returncode == 0, helped.stderr
    assert "demo" in helped.stdout and "sync" in helped.stdout
    demo = subprocess.run([sys.executable, "-c", script, "demo"], **env_cwd)  # type: ignore[call-overload]
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "122 editions" in demo.stdout and "launches" in demo.stdout
