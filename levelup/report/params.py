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


def slugify(text: str) -> str:
    """Lower-case file-name slug, the one of :func:`levelup.geo.slug` (``"Ynys Môn"`` -> ``"ynys-mon"``)."""
    from levelup.geo import slug

    return slug(text)


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
    """Keyed by the template's sha256, so an edited template is read again. The notebook is JSON:
    reading it as such keeps papermill and nbformat (jsonschema and its format checkers) out of
    planning, and so out of a rerun with nothing to render."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except ValueError as exc:  # not JSON, or not a notebook: say which file
        raise ParameterError(f"template {path!r} is not a readable notebook: {exc}") from None
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


#: Parameters that never name a variant: the region itself (it is the file name), the resolved
#: regions levelup fills in, and the page's branding.
_NOT_IN_NAME = ("region", "level", "resolved", "branding")
#: Short names of the usual parameters in a variant's file name (``--start-2004``).
_NAME_KEYS = {"start_year": "start", "end_year": "end", "benchmark": "benchmark", "comparators": "with",
              "mix_vintages": "mixed-vintages"}


def resolve_region(query: str, level: str | None = None):
    """A region from a code or name: :func:`levelup.geo.resolve` (ITL units, local and combined
    authorities, custom places; ``UnknownRegionError`` with suggestions otherwise)."""
    from levelup.geo import resolve

    if not isinstance(query, str) or not query.strip():
        raise ParameterError(f"region must be a region code or name, got {query!r}")
    return resolve(query, level=level)


def merge_region(params: dict[str, Any] | None, region: Any) -> dict[str, Any]:
    """``params`` with the region given beside them (a positional region of ``levelup report``);
    a different ``region`` in ``params`` is refused rather than silently replaced."""
    given = dict(params or {})
    if isinstance(region, dict):
        return given | region
    other = given.get("region")
    if other is not None and str(other).strip() and str(other).strip().lower() != str(region).strip().lower():
        same = False
        try:
            same = resolve_region(str(other), given.get("level")).code == resolve_region(str(region), given.get("level")).code
        except LookupError:
            pass
        if not same:
            raise ParameterError(
                f"two regions given: {region!r} and -p region={other!r}; give the region once (drop -p region=...)"
            )
    return given | {"region": region}


def _check_combination(out: dict[str, Any], region, bench) -> None:
    """Refuse what cannot give a meaningful report: a benchmark equal to the place, local-authority
    figures against an ITL region's (two releases: mixed vintages) unless ``mix_vintages`` is set,
    years outside the data."""
    from levelup import analysis
    from levelup.geo.levels import lad_based

    if bench is not None and bench.code == region.code:
        raise ParameterError(
            f"the benchmark is the place itself ({region.name}, {region.code}): every index would be 100; "
            "choose another benchmark or leave benchmark=UK"
        )
    if bench is not None and lad_based(region) != lad_based(bench) and not out.get("mix_vintages"):
        local, itl = (region, bench) if lad_based(region) else (bench, region)
        raise ParameterError(
            f"{local.name} ({local.code}) is measured in the local-authority GDP release and {itl.name} ({itl.code}) "
            "in the ITL release, which are different vintages; compare with a local or combined authority or the UK, "
            "or pass -p mix_vintages=true to compare them anyway (the report then says so)"
        )
    years = analysis.data_years(region)
    s, e = out.get("start_year"), out.get("end_year")
    for name, y in (("start_year", s), ("end_year", e)):
        if y is not None and years and not years[0] <= y <= years[-1]:
            raise ParameterError(
                f"{name}={y} is outside the data for {region.name}: GDP per head covers {years[0]}-{years[-1]}"
            )


def validate_params(
    params: dict[str, Any] | None = None, template: str | Path | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Check ``params`` against the template's parameters cell and return them completed.

    Raises :class:`~levelup.errors.ParameterError` for an unknown or mistyped name (with
    suggestions), a value of the wrong type, an inconsistent year range or years outside the
    data, a benchmark equal to the place, or local-authority figures compared with an ITL
    region's without ``mix_vintages``; :class:`~levelup.errors.UnknownRegionError` for a region
    that does not resolve. Nothing is executed. ``region`` comes back as the resolved code (with
    its ``level``), and ``resolved`` (when the template declares it) holds the resolved regions,
    so the report never resolves them again.

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
    if given.get("resolved"):
        raise ParameterError("'resolved' is filled in by levelup from the region parameters; do not set it")
    for name, value in given.items():
        _check_type(declared[name], value)
    out = {name: p.default for name, p in declared.items()} | given
    s, e = out.get("start_year"), out.get("end_year")
    if s is not None and e is not None and s >= e:
        raise ParameterError(f"start_year ({s}) must be before end_year ({e})")
    if "region" not in declared:
        return out
    resolved = resolve_regions(
        out["region"], out.get("level"), benchmark=out.get("benchmark", "UK") if "benchmark" in declared else "UK",
        comparators=out.get("comparators") if "comparators" in declared else None,
        start_year=s, end_year=e, mix_vintages=bool(out.get("mix_vintages")),
    )
    out["region"] = resolved["region"]["code"]
    if "level" in declared:
        out["level"] = resolved["region"]["level"]
    if resolved["benchmark"]:
        out["benchmark"] = resolved["benchmark"]["code"]
    if resolved["comparators"]:
        out["comparators"] = [c["code"] for c in resolved["comparators"]]
    if "resolved" in declared:
        out["resolved"] = resolved
    return out


def resolve_regions(
    region: str,
    level: str | None = None,
    *,
    benchmark: Any = "UK",
    comparators: list | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    mix_vintages: bool = False,
) -> dict[str, Any]:
    """The regions of a report, resolved once and checked together (see :func:`validate_params`):
    ``{"region", "parent", "benchmark" (None for the UK), "comparators"}`` as plain records
    (:meth:`levelup.geo.Region.to_dict`), ready for the notebook's ``resolved`` parameter."""
    from levelup.geo import parent_region

    reg = resolve_region(region, level)
    bench = None
    if isinstance(benchmark, str) and benchmark.strip().upper() != "UK":
        bench = resolve_region(benchmark)
    comps = [resolve_region(str(c)) for c in comparators or []]
    _check_combination({"start_year": start_year, "end_year": end_year, "mix_vintages": mix_vintages}, reg, bench)
    return {"region": reg.to_dict(), "parent": _record(parent_region(reg)), "benchmark": _record(bench),
            "comparators": [c.to_dict() for c in comps]}


def _record(region) -> dict | None:
    return None if region is None else region.to_dict()


def region_of(params: dict[str, Any]):
    """The resolved region (``levelup.geo.Region``) of validated parameters (resolved again
    only when the template has no ``resolved`` parameter)."""
    from levelup.geo import Region

    rec = (params.get("resolved") or {}).get("region")
    if rec:
        return Region.from_dict(rec)
    return resolve_region(params["region"], params.get("level"))


def report_stem(region, params: dict[str, Any], template: str | Path | None = None) -> str:
    """The file stem of a report: the region's slug (``tlc-north-east``), then every parameter that
    differs from the template's default (``tlc-north-east--start-2004``), so a variant never
    overwrites the default report. Region, level and branding are not part of it."""
    from levelup.geo import slug

    declared = template_parameters(template)
    parts = [region.slug]
    for name, p in declared.items():
        if name in _NOT_IN_NAME or name not in params:
            continue
        value = params[name]
        if value == p.default or (name == "benchmark" and str(value).strip().upper() == "UK"):
            continue
        key = _NAME_KEYS.get(name, slug(name))
        if isinstance(value, bool):
            parts.append(key if value else f"no-{key}")
            continue
        text = " ".join(map(str, value)) if isinstance(value, list | tuple) else (
            json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value))
        parts.append(f"{key}-{slug(text)}" if slug(text) else key)
    return "--".join(parts)
