"""Paths and defaults, resolved from arguments, environment and ``levelup.toml``.

Nothing here is a mutable global: every function takes the overriding value as an
argument and falls back to the environment, then to ``levelup.toml`` found in the
current directory or one of its parents (the project root), then to a default.

``levelup.toml`` (all keys optional)::

    [data]
    root = "data"                # raw/ and processed/ live below it
    mirrors = ["../shared/ons"]  # folders holding copies of the registered files
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "levelup.toml"


@dataclass(frozen=True)
class ProjectConfig:
    """What ``levelup.toml`` says, with relative paths made absolute."""

    path: Path | None = None
    data_root: Path | None = None
    mirrors: tuple[Path, ...] = field(default_factory=tuple)
    reports_dir: Path | None = None


def find_config(start: Path | None = None) -> Path | None:
    """Return the nearest ``levelup.toml`` at or above ``start`` (default: cwd)."""
    env = os.environ.get("LEVELUP_CONFIG")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
    # an installed-in-place (editable) package: look beside the package too
    pkg_root = Path(__file__).resolve().parent.parent
    candidate = pkg_root / CONFIG_NAME
    return candidate if candidate.is_file() else None


@lru_cache(maxsize=8)
def _read_config(path: Path | None) -> ProjectConfig:
    if path is None:
        return ProjectConfig()
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    base = path.parent
    data = raw.get("data", {})
    root = data.get("root")
    mirrors = tuple((base / m).resolve() for m in data.get("mirrors", []))
    reports = raw.get("reports", {}).get("out_dir")
    return ProjectConfig(
        path=path,
        data_root=(base / root).resolve() if root else None,
        mirrors=mirrors,
        reports_dir=(base / reports).resolve() if reports else None,
    )


def project_config() -> ProjectConfig:
    """The ``levelup.toml`` in force for the current directory (empty if none)."""
    return _read_config(find_config())


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: argument, ``LEVELUP_DATA_DIR``, ``levelup.toml``, else ``./data``."""
    if root is not None:
        return Path(root).resolve()
    env = os.environ.get("LEVELUP_DATA_DIR")
    if env:
        return Path(env).resolve()
    cfg = project_config()
    if cfg.data_root is not None:
        return cfg.data_root
    if cfg.path is not None:
        return (cfg.path.parent / "data").resolve()
    return (Path.cwd() / "data").resolve()


def raw_dir(root: str | os.PathLike | None = None) -> Path:
    """Where downloaded source files live (never edited)."""
    return data_root(root) / "raw"


def processed_dir(root: str | os.PathLike | None = None) -> Path:
    """Where the parquet cache lives (rebuildable from raw)."""
    return data_root(root) / "processed"


def mirror_dirs(mirrors: str | os.PathLike | list | tuple | None = None) -> list[Path]:
    """Mirror folders in search order: argument, ``LEVELUP_MIRROR`` (os.pathsep-separated), config."""
    out: list[Path] = []
    if mirrors is not None:
        if isinstance(mirrors, (str, os.PathLike)):
            mirrors = [mirrors]
        out.extend(Path(m).resolve() for m in mirrors)
    env = os.environ.get("LEVELUP_MIRROR")
    if env:
        out.extend(Path(m).resolve() for m in env.split(os.pathsep) if m)
    out.extend(project_config().mirrors)
    return list(dict.fromkeys(out))


def reports_dir(out_dir: str | os.PathLike | None = None) -> Path:
    """Where rendered reports go: argument, ``LEVELUP_REPORTS_DIR``, config, else ``./reports``."""
    if out_dir is not None:
        return Path(out_dir).resolve()
    env = os.environ.get("LEVELUP_REPORTS_DIR")
    if env:
        return Path(env).resolve()
    cfg = project_config()
    if cfg.reports_dir is not None:
        return cfg.reports_dir
    if cfg.path is not None:
        return (cfg.path.parent / "reports").resolve()
    return (Path.cwd() / "reports").resolve()
