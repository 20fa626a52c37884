"""A rerun with nothing to render, answered before anything heavy is imported.

``render_many`` asks :class:`Rerun` first. It keeps ``<out>/.rerun.json``:

* ``files``: the sha256 of files (data files and rendered outputs) under their size and
  modification time. A file whose size and mtime are unchanged is not read again; one that was
  touched is hashed again and, if its bytes are the same, counts as unchanged. Entries of files
  modified within :data:`RACY_NS` of the save are not kept (a second change within the same
  timestamp tick would look unchanged: git's "racy" case), so they are hashed once more.
* ``plans``: for each request (regions, parameters, formats, template, level) that rendered
  without failure, the reports it produced and their build keys, under a *context*: the
  stat signature of levelup's own files, of the template, the configuration, the place
  files, the ``LEVELUP_*`` environment and every file of the raw data folder and mirrors,
  and of the processed tables' sidecars as the render left them.

When the request was seen, the context is unchanged, the manifest still holds the same build
keys and every output still has its recorded sha256, the batch is a no-op: no papermill,
nbformat, pandas, region index, worker, kernel or browser. Anything else (a file changed, an
output missing, ``force``) falls through to the full plan, which uses the same file memo so
that only the files whose size or mtime changed are hashed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

MEMO = ".rerun.json"
RACY_NS = 2_000_000_000
_MAX_PLANS = 64
_SIDE = ("csv", "xlsx")

_ACTIVE: list[StatMemo] = []


def _hash_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class StatMemo:
    """sha256 of files remembered under ``(size, mtime_ns)``; ``hashed`` lists the files read."""

    def __init__(self, entries: dict | None = None):
        self.entries: dict[str, list] = {p: list(e) for p, e in (entries or {}).items()}
        self.hashed: list[str] = []

    def sha256(self, path: str | os.PathLike) -> str:
        p = os.path.abspath(path)
        st = os.stat(p)
        e = self.entries.get(p)
        if e is not None and e[0] == st.st_size and e[1] == st.st_mtime_ns:
            return e[2]
        digest = _hash_file(p)
        self.hashed.append(p)
        self.entries[p] = [st.st_size, st.st_mtime_ns, digest]
        return digest

    def settled(self, now_ns: int | None = None) -> dict[str, list]:
        """The entries safe to keep: files last modified at least :data:`RACY_NS` before now."""
        now = time.time_ns() if now_ns is None else now_ns
        return {p: e for p, e in sorted(self.entries.items()) if e[1] < now - RACY_NS}


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file through the batch's memo when one is active (see :meth:`Rerun.digests`)."""
    if _ACTIVE:
        return _ACTIVE[-1].sha256(path)
    return _hash_file(os.fspath(path))


# --------------------------------------------------------------------------------------------
# the context: what the plan of a request depends on besides the request
# --------------------------------------------------------------------------------------------
def _tree(root: Path, suffixes: tuple[str, ...] | None = None) -> list:
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__" and not x.startswith("."))
        for f in sorted(files):
            if suffixes is None or f.endswith(suffixes):
                p = os.path.join(d, f)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out.append([os.path.relpath(p, root), st.st_size, st.st_mtime_ns])
    return out


def _stat(path: str | os.PathLike | None) -> list | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return [str(path), None]
    return [str(path), st.st_size, st.st_mtime_ns]


def context(template: Path) -> str:
    """A digest of everything besides the request that validating and planning it reads."""
    import tomllib

    import levelup
    from levelup import config

    cfg = config.find_config()
    places: list = []
    if cfg is not None and cfg.is_file():
        try:
            with open(cfg, "rb") as fh:
                raw = tomllib.load(fh)
            places = [_stat((cfg.parent / f).resolve()) for f in raw.get("places", {}).get("files", [])]
        except (OSError, ValueError):
            places = ["unreadable"]
    parts = {
        "levelup": [levelup.__version__, _tree(Path(levelup.__file__).parent, (".py", ".toml", ".css", ".json"))],
        "template": [str(template), file_sha256(template)],
        "config": [_stat(cfg), places],
        "env": sorted((k, v) for k, v in os.environ.items() if k.startswith("LEVELUP_")),
        "cwd": os.getcwd(),
        "raw": [str(config.raw_dir()), _tree(config.raw_dir())],
        "mirrors": [[str(m), _tree(m)] for m in config.mirror_dirs()],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def processed_tables() -> list:
    """The stat signature of the processed tables' sidecars (``data/processed/*.json``, not the
    derived tables below it): a table rebuilt with other numbers rewrites its sidecar, and the
    reports that read it are then planned again (their build key records the table's sha256)."""
    from levelup import config

    try:
        return [[p.name, *(_stat(p) or [])] for p in sorted(config.processed_dir().glob("*.json"))]
    except OSError:
        return []


# --------------------------------------------------------------------------------------------
# the rerun memo
# --------------------------------------------------------------------------------------------
class Rerun:
    """The memo of one output folder for one request (see the module docstring)."""

    def __init__(self, regions, *, out_dir, template, params, formats, level, all_: bool, force: bool):
        from levelup import config
        from levelup.report import params as P

        self.out = config.reports_dir(out_dir)
        self.force = force
        tpl = P.template_path(template)
        if isinstance(formats, str):
            formats = formats.split(",")
        self.formats = tuple(dict.fromkeys(str(f).strip().lower() for f in formats))
        regions = [regions] if isinstance(regions, (str, dict)) else list(regions)
        request = {"regions": regions, "params": params or {}, "formats": self.formats, "template": str(tpl),
                   "level": level, "all": bool(all_)}
        self.request = hashlib.sha256(json.dumps(request, sort_keys=True, default=repr).encode()).hexdigest()
        memo = self._read()
        self.files = StatMemo(memo.get("files"))
        self.plans: dict = memo.get("plans", {})
        self.seen = self.request in self.plans
        self.context = context(tpl)

    def _read(self) -> dict:
        try:
            data = json.loads((self.out / MEMO).read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("format") == 1:
                return data
        except (OSError, ValueError):
            pass
        return {}

    def unchanged(self):
        """``[(id, label, paths)]`` of the reports this request rendered last time if nothing
        changed since (they would all be skipped), else None."""
        from levelup.report.batch import read_manifest

        plan = self.plans.get(self.request)
        if self.force or plan is None or plan.get("context") != self.context:
            return None
        if plan.get("processed") != processed_tables():
            return None
        reports = read_manifest(self.out)["reports"]
        out = []
        try:
            for rep in plan["reports"]:
                entry = reports.get(rep["id"])
                if entry is None or entry.get("key") != rep["key"]:
                    return None
                for fmt in (*self.formats, *_SIDE):
                    rec = entry["outputs"].get(fmt)
                    if rec is None or self.files.sha256(self.out / rec["path"]) != rec["sha256"]:
                        return None
                out.append((rep["id"], rep["label"], rep["paths"]))
        except (OSError, KeyError, TypeError):
            return None
        return out

    @contextlib.contextmanager
    def digests(self) -> Iterator[None]:
        """Within: data files and outputs are hashed through this memo (the data layer's in-process
        memo of file digests is seeded from it and read back)."""
        from levelup.report.batch import fetch_memo  # the data layer's memo (batch reads the registry)

        memo = fetch_memo()
        memo.update({(p, e[0], e[1]): e[2] for p, e in self.files.entries.items()})
        _ACTIVE.append(self.files)
        try:
            yield
        finally:
            _ACTIVE.remove(self.files)
            for (p, size, mtime), digest in list(memo.items()):
                self.files.entries[p] = [size, mtime, digest]

    def remember(self, jobs, manifest: dict, ok: bool) -> None:
        """Save the file memo, and this request's reports if every one of them is in the manifest."""
        reports = manifest.get("reports", {})
        plans = {k: v for k, v in self.plans.items() if k != self.request}
        if ok:
            recs = []
            for job in jobs:
                jid, label, paths = _fields(job)
                if jid not in reports:
                    recs = None
                    break
                recs.append({"id": jid, "label": label, "paths": paths, "key": reports[jid]["key"]})
            if recs is not None:
                # the tables as the render left them (it may have built some)
                plans[self.request] = {"context": self.context, "processed": processed_tables(), "reports": recs}
        self.plans = dict(list(plans.items())[-_MAX_PLANS:])
        self.save()

    def save(self) -> None:
        """Write the memo (the file digests settled so far and the plans)."""
        from levelup.report.render import write_atomic

        data = {"format": 1, "files": self.files.settled(), "plans": self.plans}
        text = json.dumps(data).encode()  # plans: oldest first
        try:
            if (self.out / MEMO).read_bytes() == text:
                return
        except OSError:
            pass
        try:
            write_atomic({self.out / MEMO: text})
        except OSError:  # a memo that cannot be saved only makes the next run slower
            pass


def _fields(job) -> tuple[str, str, dict]:
    if isinstance(job, dict):
        return job["id"], job["label"], dict(job["paths"])
    return job.id, job.label, dict(job.paths)


__all__ = ["MEMO", "Rerun", "StatMemo", "context", "file_sha256"]
