"""The source registry: ``sources.toml`` read into frozen records."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from levelup.errors import UnknownSourceError, close_matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class SourceFile:
    """One registered file: where it comes from and the hashes it may have."""

    filename: str
    path: str  # relative path inside the raw dir and inside a mirror
    file_url: str
    sha256: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """One publication (possibly several files) and how to parse it."""

    id: str
    title: str
    publisher: str
    release: str
    page_url: str
    licence: str
    parser: str
    measures: tuple[str, ...]
    mirror_only: bool
    files: tuple[SourceFile, ...]
    note: str = ""
    #: levels at which the source is never the default: it is not on levelup's geography there (ITL 2025
    #: codes), covers only some units, or its rows are levelup's own totals (lad_gdp's UK sum)
    secondary_levels: tuple[str, ...] = ()

    @property
    def vintage(self) -> str:
        """The release as ``YYYY-MM`` (what ``indicator(..., vintage=)`` takes)."""
        return self.release[:7]

    def attribution(self) -> str:
        """The attribution line a report or table must carry."""
        return f"{self.publisher}, {self.title} (released {self.release}). {self.licence}"


@lru_cache(maxsize=1)
def _registry() -> dict[str, Source]:
    text = resources.files("levelup.data").joinpath("sources.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    out: dict[str, Source] = {}
    for s in raw["source"]:
        files = tuple(
            SourceFile(f["filename"], f["path"], f.get("file_url", ""), tuple(f["sha256"])) for f in s["files"]
        )
        out[s["id"]] = Source(
            id=s["id"],
            title=s["title"],
            publisher=s["publisher"],
            release=s["release"],
            page_url=s["page_url"],
            licence=s["licence"],
            parser=s["parser"],
            measures=tuple(s.get("measures", ())),
            mirror_only=bool(s.get("mirror_only", False)),
            files=files,
            note=s.get("note", ""),
            secondary_levels=tuple(s.get("secondary_levels", ())),
        )
    return out


def get_source(source_id: str) -> Source:
    """The registered source ``source_id``; ``UnknownSourceError`` with close matches otherwise."""
    reg = _registry()
    if source_id in reg:
        return reg[source_id]
    hints = close_matches(source_id, reg)
    hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
    raise UnknownSourceError(
        f"no source {source_id!r} in the registry{hint} (known: {', '.join(reg)})", suggestions=hints
    )


def all_sources() -> list[Source]:
    """Every registered source, in registry order."""
    return list(_registry().values())


def sources() -> pd.DataFrame:
    """One row per registered file (a source such as the boundaries can have several)."""
    rows = []
    for s in all_sources():
        for f in s.files:
            rows.append(
                {
                    "id": s.id,
                    "title": s.title,
                    "publisher": s.publisher,
                    "release": s.release,
                    "vintage": s.vintage,
                    "page_url": s.page_url,
                    "file_url": f.file_url,
                    "filename": f.filename,
                    "sha256": f.sha256[0],
                    "licence": s.licence,
                    "mirror_only": s.mirror_only,
                }
            )
    return pd.DataFrame(rows)


def sources_for_measure(measure: str) -> list[Source]:
    """Sources whose parsed tables hold ``measure``; ``UnknownSourceError`` if none does."""
    found = [s for s in all_sources() if measure in s.measures]
    if not found:
        known = sorted({m for s in all_sources() for m in s.measures})
        hints = close_matches(measure, known)
        hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
        raise UnknownSourceError(f"no source provides measure {measure!r}{hint}", suggestions=hints)
    return found
