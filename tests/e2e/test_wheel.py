"""The wheel carries everything under one top-level package, `bookbridge`: package data and the entry points too.

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
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"bookbridge"}
    for package in ("", "domain/", "application/", "adapters/", "entrypoints/", "adapters/persistence/migrations/"):
        assert f"bookbridge/{package}__init__.py" in names or package.endswith("migrations/"), package
    for data in ("adapters/consonance/queries/works.graphql", "adapters/consonance/standin/schema.graphql",
                 "adapters/consonance/standin/sample_catalogue.json", "adapters/persistence/migrations/env.py",
                 "adapters/persistence/migrations/script.py.mako", "domain/py.typed",
                 "entrypoints/http/templates/dashboard.html", "entrypoints/http/static/dashboard.css"):
        assert f"bookbridge/{data}" in names, data
    assert any(n.startswith("bookbridge/adapters/persistence/migrations/versions/0001") for n in names)
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "bookbridge = bookbridge.entrypoints.cli:main" in text
    for plugin in ("bigcommerce", "consonance", "memory", "onix", "sample"):
        assert f"{plugin} = bookbridge.adapters." in text


def test_help_and_demo_run_from_the_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    script = (
        "import sys\n"
        f"sys.path = [p for p in sys.path if not p.startswith({str(ROOT / 'src')!r})]\n"
        f"sys.path.insert(0, {str(unpacked)!r})\n"
        "import bookbridge\n"
        f"assert bookbridge.__file__.startswith({str(unpacked)!r}), bookbridge.__file__\n"
        "from bookbridge.entrypoints.cli import main\n"
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


def _tiny_wheel(out: Path, name: str, files: dict[str, str]) -> Path:
    """A minimal wheel of a distribution that owns the given top-level files (PEP 427 layout, by hand)."""
    dist_info = f"{name}-1.0.dist-info"
    contents = {**files,
                f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
                f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    contents[f"{dist_info}/RECORD"] = "".join(f"{path},,\n" for path in [*contents, f"{dist_info}/RECORD"])
    path = out / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in contents.items():
            archive.writestr(member, text)
    return path


def test_it_installs_beside_distributions_that_own_the_generic_names(wheel: Path, tmp_path: Path) -> None:
    """`entrypoints` 0.4 installs `entrypoints.py` and AdapterHub's `adapters` installs `adapters/`: with bookbridge
    beside them, each keeps its own files and imports as itself."""
    others = [_tiny_wheel(tmp_path, "entrypoints", {"entrypoints.py": "OWNER = 'entrypoints'\n"}),
              _tiny_wheel(tmp_path, "adapters", {"adapters/__init__.py": "OWNER = 'adapters'\n"})]
    target = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                                "--target", str(target), *map(str, others), str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    assert "already exists" not in installed.stderr, installed.stderr
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        "import adapters, entrypoints, bookbridge\n"
        "from bookbridge.entrypoints.cli import main\n"
        "assert (adapters.OWNER, entrypoints.OWNER) == ('adapters', 'entrypoints')\n"
        f"assert bookbridge.__file__.startswith({str(target)!r}), bookbridge.__file__\n"
        "print('ok')\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr
