"""A batch's output folder: the manifest of build keys, the one-batch-at-a-time lock, the index page
and the level hierarchy it shows."""

from __future__ import annotations

import contextlib
import html
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from levelup._io import storage_error
from levelup.errors import RenderError
from levelup.report.render import OUT_HINT, write_atomic

MANIFEST = ".manifest.json"
LOCK = ".levelup.lock"
LEVEL_ORDER = ["itl1", "itl2", "itl3", "cauth", "lad", "place"]
LEVEL_TITLES = {"itl1": "ITL1 regions", "itl2": "ITL2 regions", "itl3": "ITL3 regions",
                "cauth": "Combined authorities", "lad": "Local authorities", "place": "Custom places"}



# --------------------------------------------------------------------------------------------
# manifest and index
# --------------------------------------------------------------------------------------------
def read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("reports"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"format": 1, "reports": {}}


def write_manifest(out_dir: Path, manifest: dict) -> None:
    write_atomic({out_dir / MANIFEST: (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()})


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[Path]:
    """Hold ``<out>/.levelup.lock`` for one batch; a second batch raises naming the folder and the
    PID that holds it. The lock is a ``flock``: the system releases it when the holder dies, so a
    lock file left by a killed batch is taken over. The file is removed when the batch ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield out / LOCK
        return
    path = out / LOCK
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RenderError(str(storage_error(path, exc, hint=OUT_HINT))) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RenderError(f"another levelup batch (PID {holder}) is writing reports to {out}: wait for it to "
                              "finish, or render into another folder (--out)") from None
        try:  # the file we locked may have been removed by the holder that just finished
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # releases the lock


def hierarchy(entries: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """``{(level, code): [(level, code) of its parents]}`` from :mod:`levelup.geo`.

    ITL2 and ITL3 regions: the ITL level above (from the code). Local authorities: the ITL3
    unit(s) they lie in (``lad_itl3``; a straddling authority has several) and the combined
    authorities they belong to. Combined authorities and custom places: their ITL2 region, or
    their ITL1 region when they span several ITL2 regions. A lookup that cannot be read
    leaves those links out (the index is still written).
    """
    entries = list(entries)
    levels = {lv for lv, _ in entries}
    cauth_of: dict[str, list[str]] = {}
    areas: dict[tuple[str, str], dict] = {}
    lad_itl3 = None
    try:
        from levelup.geo import regions

        for lv in levels & {"cauth", "place"}:
            for r in regions(lv).to_dict("records"):
                areas[(lv, r["code"])] = r
                if lv == "cauth" and "lad" in levels:
                    for m in r.get("members") or ():
                        cauth_of.setdefault(m, []).append(r["code"])
        if "lad" in levels:
            from levelup.geo import lad_itl3
    except Exception:  # noqa: BLE001 - an index without some links is better than no index
        pass
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for lv, code in entries:
        parents: list[tuple[str, str]] = []
        if lv == "itl2":
            parents = [("itl1", code[:3])]
        elif lv == "itl3":
            parents = [("itl2", code[:4])]
        elif lv == "lad":
            try:
                parents = [("itl3", u) for u in (lad_itl3(code) if lad_itl3 else ())]
            except Exception:  # noqa: BLE001 - an unknown or retired code: no ITL link
                parents = []
            parents += [("cauth", c) for c in cauth_of.get(code, ())]
        elif (lv, code) in areas:
            r = areas[(lv, code)]
            up = r.get("itl2") or r.get("itl1")
            if isinstance(up, str) and up and ";" not in up:
                parents = [("itl2" if len(up) == 4 else "itl1", up)]
        out[(lv, code)] = parents
    return out


def write_index(out_dir: Path, manifest: dict, relations=None) -> Path:
    """``index.html`` listing every report in the manifest whose files exist, grouped by level
    (ITL1, ITL2, ITL3, combined authorities, local authorities, custom places), each linked to
    the reports of its parent regions and of the areas it contains (see :func:`hierarchy`;
    ``relations`` replaces it, for tests)."""
    have: dict[tuple[str, str], tuple[dict, list]] = {}
    for _, e in sorted(manifest["reports"].items()):
        links = [(fmt, o["path"]) for fmt, o in sorted(e["outputs"].items()) if (out_dir / o["path"]).is_file()]
        if links:
            have[(e["level"], e["code"])] = (e, links)
    parents = (relations or hierarchy)(list(have))
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(key)

    def order(key: tuple[str, str]) -> tuple:
        return (LEVEL_ORDER.index(key[0]) if key[0] in LEVEL_ORDER else 99, key[0], key[1])

    def link(key: tuple[str, str]) -> str:
        e, links = have[key]
        path = dict(links).get("pdf") or dict(links).get("html") or links[0][1]
        return f"<a href='{html.escape(path)}'>{html.escape(e['name'])}</a>"

    def related(keys) -> str:
        return ", ".join(link(k) for k in sorted(set(keys), key=order) if k in have)

    groups: dict[str, list] = {}
    for key in sorted(have, key=order):
        groups.setdefault(key[0], []).append(key)
    parts = []
    for level, keys in groups.items():
        rows = "".join(
            f"<tr id='{html.escape(lv)}-{html.escape(code)}'><th scope='row'>{html.escape(have[(lv, code)][0]['name'])}</th>"
            f"<td>{html.escape(code)}</td><td>"
            + " ".join(f"<a href='{html.escape(p)}'>{fmt.upper()}</a>" for fmt, p in have[(lv, code)][1])
            + f"</td><td class='up'>{related(parents.get((lv, code), ()))}</td>"
            f"<td class='down'>{related(children.get((lv, code), ()))}</td></tr>"
            for lv, code in keys
        )
        parts.append(f"<h2>{html.escape(LEVEL_TITLES.get(level, level))}</h2><table><thead><tr><th scope='col'>Name</th>"
                     "<th scope='col'>Code</th><th scope='col'>Files</th><th scope='col'>Part of</th>"
                     f"<th scope='col'>Contains</th></tr></thead><tbody>{rows}</tbody></table>")
    page = ("<!DOCTYPE html>\n<html lang='en-GB'><head><meta charset='utf-8'><title>levelup reports</title>"
            "<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em}table{border-collapse:collapse}"
            "th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #ccc;vertical-align:top}"
            "td.down{max-width:40em}</style></head><body>"
            "<h1>levelup reports</h1>" + ("".join(parts) or "<p>No reports yet.</p>") + "</body></html>\n")
    dest = out_dir / "index.html"
    write_atomic({dest: page.encode()})
    return dest
