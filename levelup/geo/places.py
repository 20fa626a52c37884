"""Custom places: unions of ITL3 units or of local authorities, defined in TOML files.

The package ships ``places.toml`` (city regions and combined-authority areas as ITL3 unions, each
saying whether it is exact and where ITL3 units only approximate the boundary). Users add files
through ``places(files=[...])`` or ``[places] files = [...]`` in ``levelup.toml`` (paths relative to
that file). A later file's place replaces an earlier one with the same code.

Format::

    [place.LCR]
    name = "Liverpool City Region"
    itl3 = ["TLD71", "TLD72", "TLD73", "TLD74"]     # or: lads = ["E08000011", ...]
    exact = true
    note = "..."

    [group.my_network]                               # peer groups for levelup.geo.peers
    name = "My network"
    members = ["Barking and Dagenham", "E06000023"]  # names or codes of any level

Every code is checked against the ONS lookup when the file is read: a code that does not exist
raises ``UnknownRegionError`` naming the file, the place and the codes (with the successor of an
old local-authority code).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from levelup.errors import LayoutError, UnknownRegionError, close_matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Place:
    """One custom place: members are ITL3 codes (``member_level="itl3"``) or LAD codes (``"lad"``)."""

    code: str
    name: str
    members: tuple[str, ...]
    member_level: str
    exact: bool
    note: str
    file: str


@dataclass(frozen=True)
class Group:
    """A user-defined peer group: members as written in the file (names or codes)."""

    id: str
    name: str
    members: tuple[str, ...]
    file: str


def config_files() -> tuple[Path, ...]:
    """Place files listed in ``levelup.toml`` (``[places] files = [...]``), made absolute."""
    from levelup import config

    path = config.find_config()
    if path is None:
        return ()
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    return tuple((path.parent / f).resolve() for f in raw.get("places", {}).get("files", []))


def _files(files) -> tuple[str, ...]:
    builtin = str(resources.files("levelup.geo").joinpath("places.toml"))
    extra = [files] if isinstance(files, (str, os.PathLike)) else list(files or [])
    return tuple(
        dict.fromkeys([builtin, *map(str, config_files()), *(str(Path(f).resolve()) for f in extra)])
    )


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise UnknownRegionError(f"place file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"place file {path} is not valid TOML: {exc}") from exc


def _check_codes(path: str, code: str, level: str, members: list[str]) -> None:
    from levelup.geo.itl import itl_table
    from levelup.geo.lad import lads, successor

    if level == "itl3":
        t = itl_table()
        known = set(t.loc[t["level"] == "itl3", "code"])
    else:
        known = set(lads()["code"])
    bad = [m for m in members if m not in known]
    if not bad:
        return
    hints = []
    for b in bad:
        new = successor(b) if level == "lad" else None
        hints.append(f"{b} (replaced by {new})" if new else b)
    sugg = [s for b in bad for s in close_matches(b, known, n=2)]
    raise UnknownRegionError(
        f"place file {Path(path).name}, place {code!r}: {len(bad)} {level.upper()} code(s) do not exist "
        f"in the ONS lookup: {', '.join(hints)}",
        suggestions=sugg,
    )


@lru_cache(maxsize=16)
def _load(files: tuple[str, ...]) -> tuple[dict[str, Place], dict[str, Group]]:
    places: dict[str, Place] = {}
    groups: dict[str, Group] = {}
    for path in files:
        raw = _read(path)
        unknown = set(raw) - {"place", "group"}
        if unknown:
            raise LayoutError(
                f"place file {path}: unknown table(s) {sorted(unknown)}; expected [place.X] or [group.X]"
            )
        for code, spec in raw.get("place", {}).items():
            if "name" not in spec:
                raise LayoutError(f"place file {path}, place {code!r}: no 'name'")
            kinds = [k for k in ("itl3", "lads") if k in spec]
            if len(kinds) != 1 or not spec[kinds[0]]:
                raise LayoutError(
                    f"place file {path}, place {code!r}: give exactly one non-empty list, 'itl3' or 'lads'"
                )
            level = "itl3" if kinds[0] == "itl3" else "lad"
            members = [str(m).strip().upper() for m in spec[kinds[0]]]
            _check_codes(path, code, level, members)
            places[code] = Place(
                code=code,
                name=str(spec["name"]),
                members=tuple(sorted(set(members))),
                member_level=level,
                exact=bool(spec.get("exact", False)),
                note=str(spec.get("note", "")),
                file=path,
            )
        for gid, spec in raw.get("group", {}).items():
            members = spec.get("members")
            if not members:
                raise LayoutError(f"place file {path}, group {gid!r}: no 'members' list")
            groups[gid] = Group(gid, str(spec.get("name", gid)), tuple(map(str, members)), path)
    return places, groups


def place_defs(files=None) -> dict[str, Place]:
    """{code: Place} from the built-in file, ``levelup.toml``'s files and ``files``, checked."""
    return _load(_files(files))[0]


def groups(files=None) -> dict[str, Group]:
    """{id: Group}: user-defined peer groups from the same files."""
    return _load(_files(files))[1]


def places(files=None) -> pd.DataFrame:
    """Custom places: ``code, name, level ("place"), member_level, members, exact, note``."""
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "level": "place",
            "member_level": p.member_level,
            "members": p.members,
            "exact": p.exact,
            "note": p.note,
        }
        for p in place_defs(files).values()
    ]
    return pd.DataFrame(rows, columns=["code", "name", "level", "member_level", "members", "exact", "note"])
