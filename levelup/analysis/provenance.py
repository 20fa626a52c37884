"""What a report reads and whether it can be read: the data layer's provenance, for the report layer.

The report imports analysis, geo and its own modules, never ``levelup.data`` (issue 19; the rule is
tested by ``tests/unit/test_layering.py``). Its build keys (the sha256 of every file a report reads),
its citations and ``levelup doctor``'s data checks come through here.
"""

from __future__ import annotations

from levelup.data.cache import recorded_table_digests
from levelup.data.fetch import digest_memo, source_digests
from levelup.data.health import check_cache, check_files
from levelup.data.registry import all_sources, get_source


def check_data() -> list[tuple[bool, str]]:
    """``[(ok, message)]``: registered files present in the raw dir or a mirror, processed tables intact."""
    from levelup import config

    return [*check_files(), check_cache(config.processed_dir())]


__all__ = ["all_sources", "check_cache", "check_data", "digest_memo", "get_source", "recorded_table_digests",
           "source_digests"]
