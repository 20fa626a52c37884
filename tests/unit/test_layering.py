"""The package's layers, enforced by walking every import (issue 19).

Every ``import``/``from ... import`` in every module of ``levelup/`` is read with ``ast`` — at
module level and inside functions, relative imports resolved, plus ``importlib.import_module``
with a literal name — and checked against the rules:

- ``levelup.data`` imports neither ``levelup.geo`` nor ``levelup.models`` (data is the bottom
  layer: geo and models are built on it, never the other way round);
- ``levelup.geo`` does not import ``levelup.models``;
- ``levelup.models`` import nothing from ``levelup.data`` or ``levelup.config`` (models compute
  on what they are given and read no files);
- ``levelup.report`` imports neither ``levelup.data`` nor ``levelup.models`` (only analysis, geo
  and its own modules; what files a report reads comes through ``levelup.analysis.provenance``).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "levelup"


def _module_name(path: Path) -> str:
    parts = ["levelup", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every ``levelup...`` module named by an import in ``path``: (name, line)."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            out.append((name, node.lineno))
            out += [(f"{name}.{a.name}", node.lineno) for a in node.names]  # `from levelup import geo`
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.args[0].value, node.lineno))
    return [(n, line) for n, line in out if n == "levelup" or n.startswith("levelup.")]


@functools.lru_cache(maxsize=1)
def _all_imports() -> dict[str, list[tuple[str, int]]]:
    return {_module_name(p): _imports(p) for p in sorted(PKG.rglob("*.py"))}


def _in(name: str, layer: str) -> bool:
    return name == f"levelup.{layer}" or name.startswith(f"levelup.{layer}.")


def _violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        {
            f"{mod} imports {name} (line {line})"
            for mod, names in _all_imports().items()
            if _in(mod, layer)
            for name, line in names
            if any(_in(name, f) for f in forbidden)
        }
    )


def test_the_walker_sees_imports_inside_functions_and_relative_ones(tmp_path):
    """A check of the checker: geo.itl imports levelup.data inside a function (lookup())."""
    found = dict(_all_imports())
    assert any(n == "levelup.data" for n, _ in found["levelup.geo.itl"])
    assert "levelup.data.lad_codes" in {n for n, _ in found["levelup.geo.lad"]}


RULES = [
    pytest.param("data", ("geo", "models"), id="data-imports-neither-geo-nor-models"),
    pytest.param("geo", ("models",), id="geo-does-not-import-models"),
    # models compute on what they are given: neither the data layer nor the paths of its files
    pytest.param("models", ("data", "config"), id="models-import-nothing-from-data"),
    # the report presents results: analysis, geo and its own modules (provenance through analysis)
    pytest.param("report", ("data", "models"), id="report-imports-neither-data-nor-models"),
]


@pytest.mark.parametrize(("layer", "forbidden"), RULES)
def test_layering(layer, forbidden):
    bad = _violations(layer, forbidden)
    assert not bad, f"levelup.{layer} must not import {' or '.join(forbidden)}:\n  " + "\n  ".join(bad)
