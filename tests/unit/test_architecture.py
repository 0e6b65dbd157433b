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


# --- one direction, one composition root: the import graph of all of src ---------------------------------------
#
# Every import counts: at module level, under `if TYPE_CHECKING:`, inside a function. Relative imports are resolved,
# and `from pkg import name` is an import of the module `pkg.name` when there is one (else of `pkg`).

PACKAGE = "bookbridge"
ROOT = frozenset({"bookbridge.entrypoints.container", "bookbridge.entrypoints.plugins"})  # they build adapters
# The plugin authors' test kit: its contract suites run against the in-memory and sample adapters. Nothing the
# service runs imports it (checked below), so it is outside the arrows of the running code.
TEST_KIT = "bookbridge.testing"


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join([PACKAGE, *(parts[:-1] if parts[-1] == "__init__" else parts)])


def module_imports(name: str, source: str, known: frozenset[str] | set[str], *, package: bool = False) -> set[str]:
    """The modules of `known` that module `name` imports, wherever the import statement is."""
    here = name if package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return {m for m in found if m in known and m != name}


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    paths = {module_name(p, src): p for p in src.rglob("*.py")}
    known = set(paths)
    return {name: module_imports(name, p.read_text(encoding="utf-8"), known, package=p.name == "__init__.py")
            for name, p in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative), each an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


# Protocols the application declares for its own seams, implemented inside the application too: not ports.
APPLICATION_SEAMS = frozenset({"MilestoneEffects", "PendingMessage"})


def protocols(package: str) -> dict[str, str]:
    """Every `class X(Protocol)` (or `typing.Protocol`) under src/<package>: name -> module path."""
    found: dict[str, str] = {}
    for path in modules(package):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    (isinstance(base, ast.Name) and base.id == "Protocol")
                    or (isinstance(base, ast.Attribute) and base.attr == "Protocol") for base in node.bases):
                found[node.name] = str(path.relative_to(SRC))
    return found


def test_every_port_the_application_uses_is_declared_in_the_domain() -> None:
    """A port is a Protocol the application talks to: it lives in domain/ports, never in the application."""
    assert {name: where for name, where in protocols("application").items() if name not in APPLICATION_SEAMS} == {}
    declared = protocols("domain")
    assert {"CatalogSource", "Storefront", "ExceptionQueue", "SalesSink", "OrderSource", "SalesLedger", "Notifier",
            "Outbox", "Leases", "MilestoneLog", "WebhookInbox", "AdminSessions", "UnitOfWork", "SyncState",
            "LaunchSchedule", "OpenLease", "ServiceHooks"} <= set(declared)
    assert all(where.startswith("domain/ports/") for where in declared.values()), declared


def test_the_import_graph_has_no_cycle() -> None:
    found = [sorted(group) for group in cycles(import_graph())]
    assert found == [], "import cycles (TYPE_CHECKING and function-local imports count): " + repr(found)


def test_only_the_composition_root_imports_adapters() -> None:
    graph = import_graph()
    found = {name: sorted(m for m in imports if m.startswith(f"{PACKAGE}.adapters"))
             for name, imports in graph.items()
             if not name.startswith(f"{PACKAGE}.adapters.") and name not in ROOT
             and not (name == TEST_KIT or name.startswith(f"{TEST_KIT}."))}
    assert {name: mods for name, mods in found.items() if mods} == {}


def test_nothing_the_service_runs_imports_the_test_kit() -> None:
    graph = import_graph()
    found = {name: sorted(m for m in imports if m == TEST_KIT or m.startswith(f"{TEST_KIT}."))
             for name, imports in graph.items() if not (name == TEST_KIT or name.startswith(f"{TEST_KIT}."))}
    assert {name: mods for name, mods in found.items() if mods} == {}


# --- the graph checker itself ------------------------------------------------------------------------------------


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "files",
    [
        {"a.py": "import bookbridge.b\n", "b.py": "import bookbridge.a\n"},
        {"a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bookbridge.b import X\n",
         "b.py": "from bookbridge import a\n"},
        {"a.py": "def f():\n    from bookbridge.b import g\n", "b.py": "from bookbridge.a import f\n"},
        {"p/__init__.py": "", "p/a.py": "from . import b\n", "p/b.py": "from .a import f\n"},
        {"p/__init__.py": "", "p/q/__init__.py": "", "p/q/a.py": "from ..b import g\n",
         "p/b.py": "from bookbridge.p.q import a\n"},
        {"a.py": "import bookbridge.b\n", "b.py": "import bookbridge.c\n", "c.py": "from bookbridge.a import x\n"},
    ],
    ids=["import", "type-checking", "function-local", "relative", "relative-parent", "three"],
)
def test_the_cycle_checker_finds_cycles_however_they_are_written(tmp_path: Path, files: dict[str, str]) -> None:
    found = cycles(import_graph(write_tree(tmp_path, files)))
    assert len(found) == 1 and len(found[0]) >= 2, found


def test_the_cycle_checker_accepts_a_tree_and_a_package_importing_its_children(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"p/__init__.py": "from bookbridge.p.a import f\n", "p/a.py": "from .b import g\n",
                                 "p/b.py": "import os\nfrom bookbridge.c import h\n", "c.py": "import json\n"})
    graph = import_graph(root)
    assert graph["bookbridge.p"] == {"bookbridge.p.a"} and graph["bookbridge.p.a"] == {"bookbridge.p.b"}
    assert graph["bookbridge.p.b"] == {"bookbridge.c"} and cycles(graph) == []
