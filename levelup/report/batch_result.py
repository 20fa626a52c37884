"""What a batch did (:class:`BatchResult`) and how a run's manifest write faults reach its summary."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from levelup._io import storage_error
from levelup.errors import LevelupError
from levelup.report.job import Job
from levelup.report.manifest import (
    MANIFEST,
    write_index,
    write_manifest,
)
from levelup.report.render import OUT_HINT


@dataclass
class BatchResult:
    """What a batch did: ``ok`` (labels rendered or skipped), ``failed`` ({label: reason})."""

    ok: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    plan: list[tuple[str, str]] = field(default_factory=list)  # (label, reason) to render
    retried: dict[str, list[str]] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # label -> {fmt: path}
    timings: dict[str, dict] = field(default_factory=dict)  # label -> seconds (execute, pdf, total)
    interrupted: int | None = None  # the signal number, if the batch was interrupted
    seconds: float = 0.0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. --jobs capped at the CPU count
    errors: list[str] = field(default_factory=list)  # the manifest or index could not be written

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + self.interrupted
        return 1 if self.failed or self.errors else 0

    def summary(self) -> str:
        notes = [f"note: {n}" for n in self.notes]
        if self.dry_run:
            lines = [*notes, f"{len(self.plan)} to render, {len(self.skipped)} unchanged (dry run: nothing rendered)"]
            lines += [f"  {label}: {why}" for label, why in self.plan]
            return "\n".join(lines)
        head = (f"{len(self.rendered)} rendered, {len(self.skipped)} skipped (unchanged), "
                f"{len(self.failed)} failed in {self.seconds:.1f} s")
        if self.interrupted:
            head += f"; interrupted by {signal.Signals(self.interrupted).name}"
        lines = [*notes, head] + [f"  FAILED {label}: {why}" for label, why in sorted(self.failed.items())]
        lines += [f"  retried {label}: {'; '.join(r)}" for label, r in sorted(self.retried.items())]
        lines += [f"  ERROR {e}" for e in self.errors]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"BatchResult({self.summary()!r})"



def _save(out: Path, manifest: dict, res: BatchResult, *, index: bool = False) -> None:
    """Write the manifest (and the index); a file system fault becomes a line of the summary."""
    try:
        write_manifest(out, manifest)
        if index:
            write_index(out, manifest)
    except (OSError, LevelupError) as exc:
        msg = str(exc if isinstance(exc, LevelupError) else storage_error(out / MANIFEST, exc, hint=OUT_HINT))
        msg += " (the reports written stay; the next run renders them again)"
        if msg not in res.errors:
            res.errors.append(msg)


def _unchanged(same: list, t0: float, *, dry_run: bool = False, notes: list[str] | None = None) -> BatchResult:
    """The result of a batch whose every report is unchanged (see :class:`levelup.report.fastpath.Rerun`)."""
    res = BatchResult(dry_run=dry_run, notes=list(notes or []))
    for _, label, paths in same:
        res.ok.append(label)
        res.skipped.append(label)
        res.outputs[label] = dict(paths)
    res.seconds = time.perf_counter() - t0
    return res


def _result(todo: list[Job], skip: list[Job], *, dry_run: bool = False, notes: list[str] | None = None) -> BatchResult:
    res = BatchResult(skipped=[j.label for j in skip], plan=[(j.label, j.reason) for j in todo], dry_run=dry_run,
                      notes=list(notes or []))
    for j in skip:
        res.ok.append(j.label)
        res.outputs[j.label] = dict(j.paths)
    return res
