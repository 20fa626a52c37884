"""ONS data: the source registry, fetching with checksums, tidy tables and wide indicators."""

from levelup.data.api import indicator, load
from levelup.data.fetch import fetch, fetch_files
from levelup.data.registry import get_source, sources

__all__ = ["fetch", "fetch_files", "get_source", "indicator", "load", "sources"]
