"""Per-region reports: a papermill template rendered to PDF, HTML and notebook, fast and deterministic.

>>> from levelup.report import render, render_many
>>> render("North East")                                   # doctest: +SKIP
{'pdf': PosixPath('reports/itl1/tlc-north-east.pdf'), 'csv': ..., 'xlsx': ...}
>>> render_many(["TLC", "TLD"], jobs=2).exit_code           # doctest: +SKIP
0

See :mod:`levelup.report.batch` for build keys, skipping, interrupts and executors, and
:mod:`levelup.report.render` for branding.
"""

from __future__ import annotations

import os
from pathlib import Path

from levelup.report.batch import BatchResult, render_many
from levelup.report.params import parse_cli_params, template_parameters, validate_params


def render(
    region: str,
    *,
    formats=("pdf",),
    out_dir: str | os.PathLike | None = None,
    params: dict | None = None,
    template: str | os.PathLike | None = None,
    force: bool = False,
    timeout: float | None = None,
) -> dict[str, Path]:
    """Render one region in this process; returns ``{format: path}`` (plus ``csv`` and ``xlsx``).

    Parameters are validated against the template before anything runs; a failing cell
    raises :class:`~levelup.errors.RenderError` naming the cell and leaves no output file. An
    unchanged report whose files are intact is not rendered again unless ``force=True``.
    """
    from levelup.errors import RenderError
    from levelup.report.batch import plan_jobs, read_manifest, run_one_here
    from levelup.report.fastpath import Rerun

    request = [dict(params or {}) | {"region": region}]
    rerun = Rerun(request, out_dir=out_dir, template=template, params=None, formats=formats, level=None,
                  all_=False, force=force)
    same = rerun.unchanged()
    if same:  # rendered before and nothing changed: answered without planning
        return {k: Path(v) for k, v in same[0][2].items()}
    with rerun.digests():
        todo, skip, out = plan_jobs(request, template=template, formats=formats, out_dir=out_dir, force=force,
                                    timeout=timeout)
    job = (todo or skip)[0]
    if todo:
        try:
            run_one_here(job, out)
        except RenderError:
            raise
        except Exception as exc:  # the browser or the kernel failed to start ...
            raise RenderError(f"{job.label}: {type(exc).__name__}: {exc}") from exc
    rerun.remember([job], read_manifest(out), ok=True)
    return {k: Path(v) for k, v in job.paths.items()}


__all__ = ["BatchResult", "parse_cli_params", "render", "render_many", "template_parameters", "validate_params"]
