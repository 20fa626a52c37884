"""ONS data: the source registry, fetching with checksums, tidy tables and wide indicators."""

from levelup.data.api import as_of, indicator, load, pin_releases, vintages
from levelup.data.fetch import fetch, fetch_files
from levelup.data.registry import get_source, sources

__all__ = ["as_of", "fetch", "fetch_files", "get_source", "indicator", "load", "pin_releases", "sources", "vintages"]
