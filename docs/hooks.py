"""MkDocs hook: tables generated from the code, so the docs cannot drift from the registry.

``{{ sources_table }}`` becomes one row per source in ``levelup/data/sources.toml``;
``{{ measures_table }}`` one row per measure with its source sheet, unit and price basis, read from
the parser modules' ``TABLES``/``SHEETS`` dictionaries (sheet -> (measure, unit, price basis, ...))
where a parser has one, else from the registry only. No data files are read.
"""

from __future__ import annotations

import importlib


def _registry() -> list:
    from levelup.data.registry import all_sources

    return all_sources()


def _sheets(parser: str) -> dict[str, tuple[str, str, str]]:
    try:
        mod = importlib.import_module(f"levelup.data.ons.{parser}")
    except ImportError:
        return {}
    out: dict[str, tuple[str, str, str]] = {}
    for name in ("TABLES", "SHEETS"):
        table = getattr(mod, name, None)
        if isinstance(table, dict):
            for sheet, spec in table.items():
                if isinstance(spec, tuple) and len(spec) >= 3 and all(isinstance(x, str) for x in spec[:3]):
                    out.setdefault(spec[0], (str(sheet), spec[1], spec[2]))
    return out


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def sources_table() -> str:
    rows = ["| id | title | release | files | mirror only |", "|---|---|---|---|---|"]
    for s in _registry():
        rows.append(f"| `{s.id}` | {_cell(s.title)} | {s.release} | {len(s.files)} | {'yes' if s.mirror_only else 'no'} |")
    return "\n".join(rows)


def measures_table() -> str:
    rows = ["| measure | source | sheet | unit | price basis |", "|---|---|---|---|---|"]
    seen = set()
    for s in _registry():
        sheets = _sheets(s.parser)
        for m in s.measures:
            if (m, s.id) in seen:
                continue
            seen.add((m, s.id))
            sheet, unit, basis = sheets.get(m, ("see parser", "", ""))
            rows.append(f"| `{m}` | `{s.id}` | {_cell(sheet)} | {_cell(unit)} | {_cell(basis)} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **kwargs) -> str:
    if "{{ sources_table }}" in markdown:
        markdown = markdown.replace("{{ sources_table }}", sources_table())
    if "{{ measures_table }}" in markdown:
        markdown = markdown.replace("{{ measures_table }}", measures_table())
    return markdown
