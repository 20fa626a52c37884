"""Read a report template's ``parameters`` cell and validate parameters before anything runs.

The ``parameters`` cell (papermill's tag) is the template's contract: each assignment names a
parameter, its default and, optionally, its type (``start_year: int | None = None``). A name
that is not there (``regoin=``) is refused with close matches; a value of the wrong type is
refused naming the type expected; ``region`` (and ``benchmark``, ``comparators``) must resolve
to a known region. CLI values (``-p NAME=VALUE``) are parsed as YAML, so lists and dicts arrive
typed.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from levelup.errors import ParameterError, close_matches

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "notebooks" / "reports" / "region_report.ipynb"

_TYPES: dict[str, type | None] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list": list,
    "dict": dict,
    "tuple": tuple,
    "None": type(None),
    "Any": None,
}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a template: its name, default and the types it accepts (None = any)."""

    name: str
    default: Any
    types: tuple[type, ...] | None
    source: str  # the line in the parameters cell

    def type_text(self) -> str:
        if self.types is None:
            return "any"
        return " | ".join("None" if t is type(None) else t.__name__ for t in self.types)


@dataclass(frozen=True)
class RegionRef:
    """What the report needs to know about a region (a subset of ``levelup.geo.Region``)."""

    code: str
    name: str
    level: str
    parent: str | None = None
    members: tuple[str, ...] = ()
    member_level: str = "itl3"

    @property
    def slug(self) -> str:
        return slugify(f"{self.code}-{self.name}")


def slugify(text: str) -> str:
    """Lower-case file-name slug: ``"TLC-North East"`` -> ``"tlc-north-east"``."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def template_path(template: str | Path | None = None) -> Path:
    """The template to render: the argument, else the package's default region report."""
    path = Path(template) if template is not None else DEFAULT_TEMPLATE
    if not path.is_file():
        raise ParameterError(f"template {str(path)!r} not found")
    return path.resolve()


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _annotation_types(node: ast.expr | None, line: str) -> tuple[type, ...] | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and node.value is None:
        return (type(None),)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "int | None"
        return _annotation_types(ast.parse(node.value, mode="eval").body, line)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _annotation_types(node.left, line), _annotation_types(node.right, line)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Subscript):  # list[str], Optional[int], dict[str, str]
        base = node.value.id if isinstance(node.value, ast.Name) else getattr(node.value, "attr", "")
        if base == "Optional":
            inner = _annotation_types(node.slice, line)
            return None if inner is None else inner + (type(None),)
        if base == "Union" and isinstance(node.slice, ast.Tuple):
            parts = [_annotation_types(e, line) for e in node.slice.elts]
            return None if any(p is None for p in parts) else tuple(t for p in parts for t in p)
        node = node.value
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    if name in _TYPES:
        t = _TYPES[name]
        return None if t is None else (t,)
    raise ParameterError(f"parameters cell: cannot read the type in {line.strip()!r}")


def parameters_cell(nb) -> str:
    """The source of the cell tagged ``parameters`` (papermill's convention); ``nb`` is a
    notebook node or the notebook's JSON as a dict."""
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell.get("source", "")
            return "".join(src) if isinstance(src, list) else src
    raise ParameterError("the template has no cell tagged 'parameters' (papermill's convention)")


def parse_parameters(source: str) -> dict[str, Parameter]:
    """Parameters from the source of a parameters cell: literal defaults, optional annotations."""
    out: dict[str, Parameter] = {}
    lines = source.splitlines()
    for stmt in ast.parse(source).body:
        line = lines[stmt.lineno - 1]
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, value_node, types = stmt.target.id, stmt.value, _annotation_types(stmt.annotation, line)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value_node, types = stmt.targets[0].id, stmt.value, None
        else:
            continue
        try:
            default = ast.literal_eval(value_node) if value_node is not None else None
        except ValueError:
            raise ParameterError(f"parameters cell: the default of {name!r} is not a literal: {line.strip()!r}") from None
        if types is None and default is not None:
            types = (type(default),)
            if isinstance(default, float):
                types = (float, int)
        if types is not None and float in types and int not in types:
            types = (*types, int)
        out[name] = Parameter(name, default, types, line)
    return out


@lru_cache(maxsize=16)
def _template_parameters(path: str, digest: str) -> dict[str, Parameter]:
    # the notebook is JSON: reading it as such keeps papermill and nbformat (jsonschema and its
    # format checkers: seconds) out of planning, and so out of a rerun with nothing to render
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ParameterError(f"template {path!r} is not a notebook (not valid JSON: {exc})") from None
    return parse_parameters(parameters_cell(nb))


def template_parameters(template: str | Path | None = None) -> dict[str, Parameter]:
    """``{name: Parameter}`` declared by the template's parameters cell."""
    path = template_path(template)
    return _template_parameters(str(path), file_sha256(path))


def template_sources(template: str | Path | None = None, *, optional: bool = False) -> list[str]:
    """Registry sources the template reads: notebook metadata ``levelup.sources`` (required: a
    source that cannot be fetched is an error before rendering) or ``levelup.optional_sources``
    (``optional=True``: without them the sections that need them say so)."""
    path = template_path(template)
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("levelup", {})
    return list(meta.get("optional_sources" if optional else "sources", []))


def parse_cli_params(items: list[str] | None) -> dict[str, Any]:
    """``["region=TLC", "comparators=[TLD, TLE]"]`` -> typed dict (values parsed as YAML)."""
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"-p expects NAME=VALUE, got {item!r}")
        name, text = item.split("=", 1)
        try:
            out[name.strip()] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as exc:
            raise ParameterError(f"-p {name}: cannot parse {text!r} as YAML ({exc})") from None
    return out


def _check_type(p: Parameter, value: Any) -> None:
    if p.types is None:
        return
    ok = any(
        isinstance(value, t) and not (t in (int, float) and isinstance(value, bool) and bool not in p.types)
        for t in p.types
    )
    if not ok:
        raise ParameterError(
            f"parameter {p.name!r} must be {p.type_text()} (template: {p.source.strip()!r}); "
            f"got {type(value).__name__} {value!r}"
        )


def _resolve(query: str, level: str | None = None) -> RegionRef:
    """A region from a code or name through ``levelup.geo.resolve`` (ITL units, local and
    combined authorities, custom places; UnknownRegionError with suggestions otherwise)."""
    from levelup.geo import resolve

    r = resolve(query, level=level)
    parent = r.parent if r.parent is None or isinstance(r.parent, str) else getattr(r.parent, "code", str(r.parent))
    return RegionRef(r.code, r.name, r.level, parent, tuple(r.members or ()), r.member_level)


def resolve_region(query: str, level: str | None = None) -> RegionRef:
    """Public wrapper used by the renderer and the template (see :func:`_resolve`)."""
    if not isinstance(query, str) or not query.strip():
        raise ParameterError(f"region must be a region code or name, got {query!r}")
    return _resolve(query, level)


def validate_params(
    params: dict[str, Any] | None = None, template: str | Path | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Check ``params`` against the template's parameters cell and return them completed.

    Raises :class:`~levelup.errors.ParameterError` for an unknown or mistyped name (with
    suggestions), a value of the wrong type or an inconsistent year range, and
    :class:`~levelup.errors.UnknownRegionError` for a region that does not resolve. Nothing
    is executed. ``region`` comes back as the resolved code (with its ``level``).

    >>> validate_params({"regoin": "North East"})   # doctest: +SKIP
    ParameterError: unknown parameter 'regoin'; did you mean 'region'? ...
    """
    given = dict(params or {}) | kwargs
    declared = template_parameters(template)
    for name in given:
        if name not in declared:
            sugg = close_matches(name, declared, n=3)
            hint = f"; did you mean {' or '.join(repr(s) for s in sugg)}?" if sugg else ""
            raise ParameterError(f"unknown parameter {name!r}{hint} (the template takes: {', '.join(declared)})")
    for name, value in given.items():
        _check_type(declared[name], value)
    out = {name: p.default for name, p in declared.items()} | given
    if "region" in declared:
        ref = resolve_region(out["region"], out.get("level"))
        out["region"] = ref.code
        if "level" in declared:
            out["level"] = ref.level
    bench = out.get("benchmark")
    if "benchmark" in declared and isinstance(bench, str) and bench.strip().upper() != "UK":
        out["benchmark"] = resolve_region(bench).code
    if "comparators" in declared and out.get("comparators"):
        out["comparators"] = [resolve_region(str(c)).code for c in out["comparators"]]
    s, e = out.get("start_year"), out.get("end_year")
    if s is not None and e is not None and s >= e:
        raise ParameterError(f"start_year ({s}) must be before end_year ({e})")
    return out


def region_of(params: dict[str, Any]) -> RegionRef:
    """The resolved region of validated parameters."""
    return resolve_region(params["region"], params.get("level"))
