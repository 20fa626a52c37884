"""What a report reads and whether it can be read: the data layer's provenance, for the report layer.

The report imports analysis, geo and its own modules, never ``levelup.data`` (issue 19; the rule is
tested by ``tests/unit/test_layering.py``). Its build keys (the sha256 of every file a report reads),
its citations and ``levelup doctor``'s data checks come through here.
"""

from __future__ import annotations

from levelup.data.fetch import digest_memo, source_digests
from levelup.data.health import check_cache, check_files
from levelup.data.registry import all_sources, get_source


def check_data() -> list[tuple[bool, str]]:
    """``[(ok, message)]``: registered files present in the raw dir or a mirror, processed tables intact."""
    from levelup import config

    return [*check_files(), check_cache(config.processed_dir())]


def table_digests(source_ids) -> dict[str, str]:
    """``{source: sha256 of its processed table}`` as the table's sidecar records it, for the sources
    whose table is on disk (a report's build key: a table rebuilt with other numbers, say by a new
    parser, re-renders the reports that read it). Reads the small JSON sidecars only: the kernel that
    read a table checked it against this sha256 (``levelup.data.cache.read_cached``)."""
    from levelup.data.cache import TABLE_KEY, _read_meta, paths_for

    out = {}
    for sid in dict.fromkeys(source_ids):
        digest = (_read_meta(paths_for(sid)[1]) or {}).get(TABLE_KEY)
        if isinstance(digest, str):
            out[sid] = digest
    return out


__all__ = ["all_sources", "check_cache", "check_data", "digest_memo", "get_source", "source_digests",
           "table_digests"]
