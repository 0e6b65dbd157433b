"""Arrows point inward: the domain is pure, and the application layer imports no outside world.

Every module is parsed with `ast` (nothing is imported, so a module with side effects cannot hide them).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# I/O, network, scheduling, persistence and framework libraries. A prefix bans its submodules too.
DOMAIN_FORBIDDEN = (
    "httpx", "requests", "urllib", "http", "socket", "ssl", "asyncio", "subprocess", "multiprocessing", "threading",
    "sqlalchemy", "alembic", "psycopg", "sqlite3", "apscheduler", "fastapi", "starlette", "uvicorn", "pluggy",
    "dependency_injector", "lxml", "xml", "graphql", "typer", "rich", "prometheus_client", "pydantic_settings",
    "logging", "shutil", "tempfile", "random", "time", "bookbridge.adapters", "bookbridge.application",
    "bookbridge.entrypoints",
)
# The only libraries outside the standard library the domain may import: pure, I/O-free ones. pydantic (with
# pydantic_core and typing_extensions, which it needs) for value objects at the boundary, python-stdnum and
# pycountry for ISBNs and territories, and nh3: the allow-list HTML sanitiser (ammonia's Rust core) through which
# every text sent to a store passes where listings are built (domain/listing/text.py); a function of strings.
DOMAIN_DEPENDENCIES = frozenset({"pydantic", "pydantic_core", "typing_extensions", "stdnum", "pycountry", "nh3"})
APPLICATION_FORBIDDEN = (
    "httpx", "requests", "sqlalchemy", "alembic", "psycopg", "fastapi", "starlette", "uvicorn", "lxml", "pluggy",
    "dependency_injector", "apscheduler", "graphql", "bookbridge.adapters", "bookbridge.entrypoints",
)
# Time is an argument: a rule never reads the clock.
CLOCK_READS = frozenset({"now", "utcnow", "today", "time", "time_ns", "monotonic", "perf_counter"})
CLOCK_OWNERS = frozenset({"datetime", "date", "time"})


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            found += [(node.lineno, arg.value) for arg in node.args[:1]
                      if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module"):
            found.append((node.lineno, "importlib.import_module (dynamic import)"))
    return found


def clock_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls such as datetime.now(), date.today(), datetime.datetime.utcnow(), time.time()."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        if node.func.attr in CLOCK_READS and owner_name in CLOCK_OWNERS:
            found.append((node.lineno, f"{owner_name}.{node.func.attr}()"))
    return found


def is_forbidden(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == banned or module.startswith(banned + ".") for banned in forbidden)


def violations(source: str, forbidden: tuple[str, ...], *, clock: bool, where: str = "<source>") -> list[str]:
    tree = ast.parse(source, filename=where)
    found = [f"{where}:{line}: imports {module}" for line, module in imported_modules(tree)
             if module.startswith("importlib.import_module") or is_forbidden(module, forbidden)]
    if clock:
        found += [f"{where}:{line}: reads the clock with {call}" for line, call in clock_reads(tree)]
    return found


def modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def test_the_domain_has_modules_to_check() -> None:
    names = {p.relative_to(SRC / "domain").as_posix() for p in modules("domain")}
    assert {"model.py", "rights.py", "pricing.py", "lifecycle.py", "plan.py", "ports/__init__.py",
            "ports/storefront.py"} <= names


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_the_domain_imports_no_io_or_framework_library_and_reads_no_clock(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), DOMAIN_FORBIDDEN, clock=True,
                      where=str(path.relative_to(SRC))) == []


def outside_dependencies(source: str, allowed: frozenset[str], where: str = "<source>") -> list[str]:
    """Imports of anything but the standard library, bookbridge itself and the `allowed` libraries."""
    tree = ast.parse(source, filename=where)
    return [f"{where}:{line}: imports {module}" for line, module in imported_modules(tree)
            if (top := module.split(".")[0]) not in sys.stdlib_module_names and top != "bookbridge"
            and top not in allowed and not module.startswith("importlib.import_module")]


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_and_its_declared_dependencies(path: Path) -> None:
    assert outside_dependencies(path.read_text(encoding="utf-8"), DOMAIN_DEPENDENCIES,
                                where=str(path.relative_to(SRC))) == []


def test_the_dependency_check_flags_an_undeclared_library() -> None:
    assert outside_dependencies("import nh3\nfrom pydantic import BaseModel\nimport json\n", DOMAIN_DEPENDENCIES) == []
    assert outside_dependencies("import bleach\n", DOMAIN_DEPENDENCIES) == ["<source>:1: imports bleach"]
    assert outside_dependencies("import nh3\n", DOMAIN_DEPENDENCIES - {"nh3"}) == ["<source>:1: imports nh3"]


def application_modules() -> list[Path]:
    # The application layer may not exist yet, or be partly written: check whatever is there.
    return modules("application") if (SRC / "application").is_dir() else []


@pytest.mark.parametrize("path", application_modules(), ids=lambda p: p.name)
def test_the_application_imports_no_adapter_or_framework_library(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), APPLICATION_FORBIDDEN, clock=True,
                      where=str(path.relative_to(SRC))) == []


# --- the checker itself must catch what it is for ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import httpx\n", "imports httpx"),
        ("import os, socket\n", "imports socket"),
        ("from sqlalchemy.orm import Session\n", "imports sqlalchemy.orm"),
        ("from apscheduler.schedulers.background import BackgroundScheduler\n", "imports apscheduler"),
        ("import fastapi as api\n", "imports fastapi"),
        ("from starlette.requests import Request\n", "imports starlette.requests"),
        ("import pluggy\n", "imports pluggy"),
        ("from dependency_injector import containers\n", "imports dependency_injector"),
        ("from lxml import etree\n", "imports lxml"),
        ("import requests\n", "imports requests"),
        ("import asyncio\n", "imports asyncio"),
        ("from bookbridge.adapters.memory import InMemoryStorefront\n", "imports bookbridge.adapters.memory"),
        ("def f():\n    import httpx\n", "imports httpx"),  # a local import is still an import
        ("h = __import__('httpx')\n", "imports httpx"),
        ("import importlib\nm = importlib.import_module('httpx')\n", "dynamic import"),
        ("from datetime import datetime\nx = datetime.now()\n", "reads the clock with datetime.now()"),
        ("import datetime\nx = datetime.datetime.now(datetime.UTC)\n", "reads the clock with datetime.now()"),
        ("from datetime import date\nx = date.today()\n", "reads the clock with date.today()"),
        ("import datetime as dt\nx = dt.datetime.utcnow()\n", "reads the clock with datetime.utcnow()"),
    ],
)
def test_the_checker_flags_forbidden_imports_and_clock_reads(source: str, expected: str) -> None:
    found = violations(source, DOMAIN_FORBIDDEN, clock=True)
    assert any(expected in v for v in found), found


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations\nfrom datetime import datetime\n\ndef f(at: datetime) -> datetime:\n"
        "    return at\n",
        "import pydantic\nfrom stdnum import isbn\nimport pycountry\nfrom decimal import Decimal\n",
        "from bookbridge.domain.model import Edition\nfrom .model import Edition as E\n",
        "import httpx_like_but_not_httpx\n",
        "def now():\n    return 1\nx = now()\n",  # a function called now() is not a clock
    ],
)
def test_the_checker_allows_the_standard_library_and_the_domain_dependencies(source: str) -> None:
    assert violations(source, DOMAIN_FORBIDDEN, clock=True) == []


def test_the_application_list_allows_the_domain() -> None:
    source = "from bookbridge.domain.plan import plan_changes\nfrom bookbridge.domain.ports import Storefront\n"
    assert violations(source, APPLICATION_FORBIDDEN, clock=True) == []
    assert violations("from bookbridge.adapters.bigcommerce.client import X\n", APPLICATION_FORBIDDEN, clock=True) != []
