"""What a batch asks a worker to render (:class:`Job`) and what comes back (:class:`Outcome`).

Both are frozen and picklable: a job crosses into worker processes (or a dask cluster) and an
outcome comes back. :func:`levelup.report.batch.plan_jobs` makes jobs; the renderer
(:mod:`levelup.report.render`) reads them; the batch records outcomes in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # levelup.geo.resolve imports pandas: not needed to read a job, nor on a no-op rerun
    from levelup.geo.resolve import Region


@dataclass(frozen=True)
class Job:
    """One report to render.

    ``id`` is the manifest key (``<level>/<slug>``); ``region`` the region resolved once when the
    batch was planned (``None`` for a custom template without a ``region`` parameter); ``params``
    the validated template parameters; ``paths`` ``{format: path}`` of every output (CSV and
    XLSX included); ``key`` the build key made of ``components`` (template, style, parameters,
    data, levelup version); ``declared`` the sha256 of the files of every source the template
    declares; ``reason`` why it renders (``None``: unchanged, skipped).
    """

    id: str
    region: Region | None
    code: str
    name: str
    level: str
    slug: str
    template: str
    params: dict[str, Any]
    formats: tuple[str, ...]
    out_dir: str
    paths: dict[str, str]
    key: str
    components: dict[str, str]
    sources: tuple[str, ...] = ()
    declared: dict[str, dict] = field(default_factory=dict)
    branding: dict[str, str] = field(default_factory=dict)
    title: str = "Regional economic profile"
    timeout: float | None = None
    retries: int = 1
    reason: str | None = None
    work_root: str | None = None

    @property
    def label(self) -> str:
        """``North East (TLC)``: how summaries and errors name the report."""
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Outcome:
    """What rendering a :class:`Job` gave.

    ``ok``: every output written; ``outputs``: ``{format: {"path", "sha256", "size"}}``;
    ``sources``: the releases the report read (for the manifest and ``levelup cite``);
    ``error``: why it failed, one message naming the cause; ``retry``: the failure was the
    worker's (it died or was lost), not the report's, so the batch may try once more;
    ``attempts`` and ``retry_reasons``: kernel restarts inside the worker; ``seconds``: timings; ``memory``: peak memory.
    """

    ok: bool
    job_id: str
    label: str
    outputs: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    figures: tuple = ()
    error: str = ""
    error_type: str = ""
    retry: bool = False
    attempts: int = 1
    retry_reasons: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)  # peak MB of the worker and its kernel

    @classmethod
    def failed(cls, job: Job, error: str, *, error_type: str = "", retry: bool = False) -> Outcome:
        return cls(ok=False, job_id=job.id, label=job.label, error=error, error_type=error_type, retry=retry)


__all__ = ["Job", "Outcome"]
