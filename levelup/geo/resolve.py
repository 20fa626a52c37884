"""Names and codes -> ``Region``: ITL units, local authorities, combined authorities and custom places.

Matching is case- and punctuation-insensitive (``"st. helens"`` = ``"St Helens"``, ``"&"`` =
``"and"``). A name shared by several levels resolves by precedence
``uk > itl1 > itl2 > itl3 > cauth > lad > place`` unless ``level=`` is given; the others are
listed in ``Region.alternatives``. Exact names win over aliases (the lookup's spellings such as
"North East (England)" and "Durham CC"; "Bristol" for "Bristol, City of"; "Glasgow" for
"Glasgow City").

Codes that changed (API.md: the April 2023 local-authority codes are canonical):

- an **old district code** (E07000026 Allerdale, abolished 1 April 2023) raises
  ``UnknownRegionError`` naming its successor (E06000063 Cumberland), which is also the first
  suggestion: it is not the same place, so it is never substituted silently. Use
  ``levelup.geo.successor()`` / ``canonical()`` to map data deliberately.
- a **newer code of the same authority** (E08000038, Barnsley's 2025 code) resolves to the April
  2023 code the data use (E08000016) with a ``note`` saying so.
- a **NUTS code** (UKC11) resolves to its ITL 2021 successor (TLC11) with a ``note``; UKK21/UKK22
  map to TLK24/TLK25 (Dorset boundary change).
- a **combined authority of an older lookup only** (North of Tyne, April 2023) resolves from that
  lookup with a ``note``; by default the newest lookup (May 2025) is used.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from levelup.errors import LevelupError, UnknownRegionError, close_matches

#: Precedence when a name exists at several levels.
PRECEDENCE = ("uk", "itl1", "itl2", "itl3", "cauth", "lad", "place")
LEVELS = PRECEDENCE


@dataclass(frozen=True)
class Region:
    """A place levelup can report on.

    ``members``: the units it is the union of — ITL3 codes for ``uk``/``itl1``/``itl2``/``itl3``
    and ITL3-based places (``member_level="itl3"``); April 2023 LAD codes for ``lad``, ``cauth``
    and LAD-based places (``member_level="lad"``). ``parent``: the next level up (for a local
    authority lying in several ITL3 units, the smallest unit containing all of it). ``itl3``: for a
    local authority, every ITL3 unit it lies in. ``alternatives``: other regions with the same name.
    """

    code: str
    name: str
    level: str
    members: tuple[str, ...] = ()
    parent: str | None = None
    alternatives: tuple[Region, ...] = field(default=(), repr=False)
    member_level: str = "itl3"
    itl3: tuple[str, ...] = ()
    vintage: str = ""
    note: str = ""

    @property
    def slug(self) -> str:
        """``<code>-<slug of name>`` in lower case, the report file stem (``tlc-north-east``)."""
        return slug(f"{self.code} {self.name}")

    def __str__(self) -> str:
        return f"{self.name} ({self.code}, {self.level})"

    def to_dict(self) -> dict:
        """The region as plain JSON-able values (no ``alternatives``): what a report's parameters carry."""
        d = dataclasses.asdict(dataclasses.replace(self, alternatives=()))
        d.pop("alternatives")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, record: dict) -> Region:
        """The region of :meth:`to_dict` (no lookup: it was resolved once, where it was given)."""
        d = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items() if k != "alternatives"}
        return cls(**d)


def norm(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: ``"St. Helens & X"`` -> ``"st helens and x"``."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    s = s.lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def slug(name: str) -> str:
    """Lower-case ASCII words joined by hyphens, for file names.

    >>> slug("Bristol, City of")
    'bristol-city-of'
    """
    return norm(name).replace(" ", "-")


def _aliases(name: str) -> list[str]:
    out = []
    m = re.fullmatch(r"(.+), (City|County) of", name)
    if m:
        out += [m.group(1), f"{m.group(2)} of {m.group(1)}"]
    m = re.fullmatch(r"City of (.+)", name)
    if m:
        out.append(m.group(1))
    m = re.fullmatch(r"(.+) City", name)
    if m:
        out.append(m.group(1))
    return out


def _common_parent(codes: list[str], table: pd.DataFrame) -> str | None:
    for col in ("itl2", "itl1"):
        vals = {p for c in codes for p in str(table.at[c, col]).split(";") if p}
        if len(vals) == 1:
            return vals.pop()
    return None


@dataclass
class _Index:
    codes: dict[str, Region]
    names: dict[str, list[Region]]
    aliases: dict[str, list[Region]]
    old_codes: dict[str, Region]
    old_names: dict[str, list[Region]]


def _cauth_regions(vintage, lad_t: pd.DataFrame) -> list[Region]:
    from levelup.geo.lad import canonical, combined_authorities

    out = []
    for r in combined_authorities(vintage).itertuples():
        members = [canonical(m) for m in r.members]
        changed = [f"{m} -> {canonical(m)}" for m in r.members if canonical(m) != m]
        note = f"members from the ONS LAD-to-combined-authority lookup ({r.vintage})"
        if changed:
            note += f"; lookup codes mapped to the April 2023 codes the data use: {', '.join(changed)}"
        itl3 = sorted({u for m in members for u in lad_t.at[m, "itl3"].split(";")})
        out.append(
            Region(
                code=r.code,
                name=r.name,
                level="cauth",
                members=tuple(sorted(members)),
                parent=r.itl1 if ";" not in r.itl1 and r.itl1 else None,
                member_level="lad",
                itl3=tuple(itl3),
                vintage=r.vintage,
                note=note,
            )
        )
    return out


def _index(vintage, files: tuple[str, ...] | None) -> _Index:
    """The index of every region's names and codes, kept in the store: built again when a lookup
    or place file changes (it used to be kept for the life of the process)."""
    from levelup._store import STORE

    return STORE.get(("geo-index", vintage, files), lambda: _build_index(vintage, files), persist=False)


def _build_index(vintage, files: tuple[str, ...] | None) -> _Index:
    from levelup.geo.itl import itl3_under, itl_table
    from levelup.geo.lad import cauth_vintages, lad_itl3, lads
    from levelup.geo.places import place_defs

    t = itl_table()
    lad_t = lads().set_index("code")
    regions: list[tuple[Region, list[str]]] = []
    all3 = tuple(sorted(t.loc[t["level"] == "itl3", "code"]))
    regions.append(
        (Region("UK", "United Kingdom", "uk", all3, None), ["UK", "Great Britain and Northern Ireland"])
    )
    for r in t.itertuples():
        parent = {"itl1": "UK", "itl2": r.itl1, "itl3": r.itl2}[r.level]
        aliases = [r.lookup_name] if r.lookup_name != r.name else []
        regions.append((Region(r.code, r.name, r.level, itl3_under(r.code), parent), aliases))
    t2 = t.set_index("code")
    for code, r in lad_t.iterrows():
        itl3 = lad_itl3(code)
        parent = itl3[0] if len(itl3) == 1 else _common_parent(list(itl3), t2)
        note = f"lies in {len(itl3)} ITL3 units: {', '.join(itl3)}" if len(itl3) > 1 else ""
        regions.append(
            (
                Region(code, r["name"], "lad", (code,), parent, member_level="lad", itl3=itl3, note=note),
                _aliases(r["name"]),
            )
        )
    newest = max(cauth_vintages()) if vintage is None else vintage
    for reg in _cauth_regions(newest, lad_t):
        regions.append((reg, []))
    for p in place_defs(files).values():
        if p.member_level == "itl3":
            parent = _common_parent(list(p.members), t2)
            itl3 = p.members
        else:
            parent = _common_parent(list(p.members), lad_t)
            itl3 = tuple(sorted({u for m in p.members for u in lad_t.at[m, "itl3"].split(";")}))
        note = p.note + ("" if p.exact else " (ITL3 units approximate the boundary)")
        regions.append(
            (
                Region(
                    p.code,
                    p.name,
                    "place",
                    p.members,
                    parent,
                    member_level=p.member_level,
                    itl3=itl3,
                    note=note.strip(),
                ),
                [],
            )
        )

    idx = _Index({}, {}, {}, {}, {})
    for reg, aliases in regions:
        idx.codes.setdefault(reg.code.upper(), reg)
        idx.names.setdefault(norm(reg.name), []).append(reg)
        for a in aliases:
            idx.aliases.setdefault(norm(a), []).append(reg)
    _add_other_names(idx)
    for y in cauth_vintages():
        if y == newest:
            continue
        for reg in _cauth_regions(y, lad_t):
            reg = dataclasses.replace(
                reg, note=f"from the {reg.vintage} lookup (not in the {newest} lookup); " + reg.note
            )
            idx.old_codes.setdefault(reg.code, reg)
            idx.old_names.setdefault(norm(reg.name), []).append(reg)
    return idx


def _add_other_names(idx: _Index) -> None:
    """Welsh and Gaelic names (``aliases.toml``), each for the region whose code and English name it lists."""
    from levelup.geo.aliases import aliases

    for code, (english, others) in aliases().items():
        reg = idx.codes.get(code)
        if reg is not None and norm(reg.name) == norm(english):
            for a in others:
                idx.aliases.setdefault(norm(a), []).append(reg)


def _retired(code: str | None = None, name: str | None = None) -> UnknownRegionError | None:
    """The error for a code (or name) retired before the lookups begin, or None."""
    from levelup.geo.aliases import retired, retired_message

    table = retired()
    if name is not None:
        code = next((c for c, e in table.items() if norm(e["name"]) == norm(name)), None)
    if code not in table:
        return None
    idx = _index(None, None)
    names = {c: r.name for c, r in idx.codes.items()}
    return UnknownRegionError(retired_message(code, table[code], names), suggestions=list(table[code]["now"]))


def _merged(changes, code: str | None = None, name: str | None = None) -> UnknownRegionError | None:
    """The error for a district merged into a larger authority by April 2023 (Kettering, Carlisle,
    Harrogate, ...), found by its old code or its old name in ``code_changes()``, or None."""
    rows = changes[changes["via"].str.startswith("ONS LAD23")]
    if code is not None:
        rows = rows[rows["old_code"] == code]
    else:
        rows = rows[[norm(n) == norm(name) for n in rows["old_name"]]]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return UnknownRegionError(
        f"{r['old_code']} ({r['old_name']}) is no longer a local-authority code: on {r['date']} it became part of "
        f"{r['new_code']} {r['new_name']} ({r['reason']}). The data use April 2023 codes; "
        f"resolve({r['new_code']!r}) for the successor, or map data with levelup.geo.canonical().",
        suggestions=[r["new_code"]],
    )


def _files_key(places_files) -> tuple[str, ...] | None:
    from levelup.geo.places import _files

    return _files(places_files)


def _pick(found: list[Region], level: str | None, query: str) -> Region:
    order = {lv: i for i, lv in enumerate(PRECEDENCE)}
    found = sorted(dict.fromkeys(found), key=lambda r: (order[r.level], r.code))
    if level is not None:
        hits = [r for r in found if r.level == level]
        if not hits:
            others = ", ".join(str(r) for r in found)
            raise UnknownRegionError(
                f"no {level} named {query!r}; that name is {others}. Drop level= or choose one of those levels.",
                suggestions=[r.name for r in found],
            )
        found = hits + [r for r in found if r.level != level]
    primary, rest = found[0], found[1:]
    return dataclasses.replace(primary, alternatives=tuple(rest))


def resolve(
    query: str, level: str | None = None, *, vintage: int | str | None = None, places_files=None
) -> Region:
    """A code or a name -> ``Region`` (case- and punctuation-insensitive, custom places included).

    Precedence ``uk > itl1 > itl2 > itl3 > cauth > lad > place`` unless ``level=`` is given;
    the other regions with that name are in ``.alternatives``. Combined authorities follow the
    newest ONS lookup unless ``vintage=`` (2023, 2025) asks for another. Unknown queries raise
    ``UnknownRegionError`` (a ``LookupError``) with ``.suggestions``; an old local-authority code
    raises naming its successor (see the module docstring for the code-vintage rules).

    >>> resolve("north east").code, [r.level for r in resolve("North East").alternatives]   # doctest: +SKIP
    ('TLC', ['cauth'])
    """
    from levelup.geo.itl import nuts_to_itl
    from levelup.geo.lad import canonical, code_changes

    if level is not None and level not in LEVELS:
        raise UnknownRegionError(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
    if not isinstance(query, str) or not query.strip():
        raise UnknownRegionError(f"a region is a non-empty code or name, not {query!r}")
    vy = None
    if vintage is not None:
        from levelup.geo.lad import _vintage_year

        vy = _vintage_year(vintage)
    idx = _index(vy, _files_key(places_files))
    q = query.strip()
    code = q.upper()

    # 1. codes
    if code in idx.codes and (level is None or idx.codes[code].level == level):
        return idx.codes[code]
    if code in idx.old_codes and level in (None, "cauth") and vintage is None:
        return idx.old_codes[code]
    if re.fullmatch(r"[ENSW]\d{8}", code):
        changes = code_changes()
        gone = _merged(changes, code=code) or _retired(code)
        if gone is not None:
            raise gone
        newer = changes[changes["new_code"] == code]
        if not newer.empty and level in (None, "lad"):
            base = canonical(code)
            reg = idx.codes[base]
            r = newer.iloc[0]
            note = (
                f"{code} is the code of {reg.name} from {r['date']} ({r['reason']}); "
                f"the data use its April 2023 code {base}"
            )
            return dataclasses.replace(reg, note=(reg.note + "; " if reg.note else "") + note)
    nuts = nuts_to_itl(code) if code != "UK" else None
    if nuts and nuts[0] in idx.codes:
        reg = idx.codes[nuts[0]]
        return dataclasses.replace(reg, note=nuts[1])

    # 2. names, then aliases, then older combined-authority lookups
    key = norm(q)
    exact, alias = idx.names.get(key, []), idx.aliases.get(key, [])
    for found in (exact, alias):
        if found and (level is None or any(r.level == level for r in found)):
            return _pick(found, level, q)
    if level in (None, "cauth") and key in idx.old_names and vintage is None:
        return _pick(idx.old_names[key], level, q)
    if exact or alias:
        return _pick(exact or alias, level, q)  # raises: the name exists at other levels only

    # 3. nothing: the name of a district merged away or retired, else suggestions
    gone = _retired(name=q)
    if gone is None:
        try:
            gone = _merged(code_changes(), name=q)
        except LevelupError:  # the lookup cannot be read: suggestions only
            gone = None
    if gone is not None:
        raise gone
    labels = {}
    for regs in idx.names.values():
        for r in regs:
            if level is None or r.level == level:
                labels.setdefault(r.name, r)
    hints = close_matches(q, list(labels), n=5)
    if not hints and re.fullmatch(r"[A-Z]{1,2}\d*[A-Z0-9]*", code):
        hints = close_matches(
            code, [c for c, r in idx.codes.items() if level is None or r.level == level], n=5
        )
    shown = ", ".join(
        f"{h!r} ({labels[h].code}, {labels[h].level})" if h in labels else repr(h) for h in hints
    )
    where = f" at level {level}" if level else ""
    msg = f"no region {q!r}{where}" + (
        f"; did you mean {shown}?" if hints else "; see levelup.geo.regions(level)"
    )
    raise UnknownRegionError(msg, suggestions=hints)


def by_code(code: str, level: str, *, vintage: int | str | None = None, places_files=None) -> Region:
    """The region of a code already known to be of ``level`` (no name matching, no notes): what
    :func:`resolve` gives for that code and level, for code lists that came from :func:`regions`."""
    vy = None
    if vintage is not None:
        from levelup.geo.lad import _vintage_year

        vy = _vintage_year(vintage)
    idx = _index(vy, _files_key(places_files))
    key = str(code).upper()
    for table in (idx.codes, idx.old_codes):
        reg = table.get(key)
        if reg is not None and reg.level == level:
            return reg
    return resolve(code, level, vintage=vintage, places_files=places_files)


def parent_region(region: Region, *, places_files=None) -> Region | None:
    """The region ``region.parent`` names (by code, no name matching), or None at the top (the UK
    is a benchmark, not a parent) or when the parent is not a known region."""
    code = region.parent
    if not code or str(code).upper() == "UK":
        return None
    return _index(None, _files_key(places_files)).codes.get(str(code).upper())


def regions(level: str = "itl1", *, vintage: int | str | None = None, places_files=None) -> pd.DataFrame:
    """All regions of one level: ``code, name, level, itl1, itl2`` (parent codes).

    Levels ``uk``, ``itl1``, ``itl2``, ``itl3``, ``lad`` (adds ``itl3`` and ``straddles``: a LAD
    lying in several ITL3 units lists them all, ``;``-joined), ``cauth`` (adds ``members`` and
    ``vintage``; newest lookup unless ``vintage=``) and ``place`` (adds ``members``, ``exact``,
    ``note``). Parents shared by no single unit are ``;``-joined.
    """
    from levelup.geo.itl import itl_table
    from levelup.geo.lad import combined_authorities, lads
    from levelup.geo.places import places

    base = ["code", "name", "level", "itl1", "itl2"]
    if level == "uk":
        return pd.DataFrame([["UK", "United Kingdom", "uk", "", ""]], columns=base)
    if level in ("itl1", "itl2", "itl3"):
        t = itl_table()
        return t.loc[t["level"] == level, base].reset_index(drop=True)
    if level == "lad":
        return lads()[[*base, "itl3", "straddles"]].copy()
    lad_t = lads().set_index("code")
    if level == "cauth":
        t = combined_authorities(vintage).copy()
        idx = _index(None if vintage is None else int(t["year"].iat[0]), _files_key(places_files))
        t["members"] = [idx.codes.get(c, idx.old_codes.get(c)).members for c in t["code"]]
        t["itl2"] = [
            ";".join(sorted({p for m in ms for p in lad_t.at[m, "itl2"].split(";")})) for ms in t["members"]
        ]
        return t[[*base, "members", "vintage"]].reset_index(drop=True)
    if level == "place":
        t = places(places_files).copy()
        itl = itl_table().set_index("code")
        par = []
        for lv, ms in zip(t["member_level"], t["members"]):
            src = itl if lv == "itl3" else lad_t
            par.append(
                tuple(
                    ";".join(sorted({p for m in ms for p in str(src.at[m, c]).split(";")}))
                    for c in ("itl1", "itl2")
                )
            )
        t["itl1"] = [p[0] for p in par]
        t["itl2"] = [p[1] for p in par]
        return t[[*base, "member_level", "members", "exact", "note"]].reset_index(drop=True)
    raise UnknownRegionError(
        f"unknown level {level!r}; levels are {', '.join(LEVELS)}",
        suggestions=close_matches(str(level), LEVELS),
    )
