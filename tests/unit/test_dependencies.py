"""Every third-party module the package or the tests import is declared (issue 18).

CI passed once only because the machine had ``odfpy`` installed by hand. These tests read every
import statement (module level and inside functions) and check that the distribution providing it is
listed: runtime imports of ``levelup/`` in ``[project] dependencies``, imports of ``tests/`` and
``benchmarks/`` in dependencies plus the ``[test]`` extras. A second test imports every module of
the package, so a declared-but-broken dependency fails too. ``.ci/run`` runs the suite in a fresh
virtualenv, which is where these checks bite.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata as md
import pkgutil
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _req_name(req: str) -> str:
    return _norm(re.split(r"[<>=!;\[ ]", req.strip(), maxsplit=1)[0])


def _declared(*extras: str) -> set[str]:
    names = {_req_name(r) for r in PROJECT["dependencies"]}
    for extra in extras:
        names |= {_req_name(r) for r in PROJECT["optional-dependencies"][extra]}
    return names


def _top_level_imports(folder: Path) -> dict[str, str]:
    """{top-level module: first file importing it} for absolute imports in every .py below folder."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for n in names:
                found.setdefault(n.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _local_modules() -> set[str]:
    """Modules that live in this repository (the package, test helpers, conftest-importable files)."""
    local = {"levelup", "conftest"}
    for folder in ("tests", "benchmarks", "scripts", "docs"):
        for path in (ROOT / folder).rglob("*.py"):
            local.add(path.stem)
    return local


def _undeclared(folder: Path, declared: set[str]) -> dict[str, str]:
    stdlib = set(sys.stdlib_module_names)
    dists = md.packages_distributions()
    missing = {}
    for module, where in _top_level_imports(folder).items():
        if module in stdlib or module in _local_modules():
            continue
        providers = {_norm(d) for d in dists.get(module, [])}
        if _norm(module) in declared:  # e.g. tomli, declared for Python < 3.11 only
            continue
        if not providers:
            missing[module] = f"{where} (no installed distribution provides it)"
        elif not providers & declared:
            missing[module] = f"{where} (provided by {sorted(providers)}, not declared)"
    return missing


def test_package_imports_are_runtime_dependencies():
    missing = _undeclared(ROOT / "levelup", _declared())
    assert not missing, f"add to [project] dependencies and environment.yml: {missing}"


@pytest.mark.parametrize("folder", ["tests", "benchmarks"])
def test_test_imports_are_declared(folder):
    missing = _undeclared(ROOT / folder, _declared("test"))
    assert not missing, f"add to the [test] extras and environment.yml: {missing}"


def test_every_package_module_imports():
    import levelup

    failed = {}
    for info in pkgutil.walk_packages(levelup.__path__, "levelup."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError as exc:  # a missing dependency; other errors are other tests' business
            failed[info.name] = repr(exc)
    assert not failed, failed
