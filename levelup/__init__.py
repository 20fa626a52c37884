"""levelup: reproducible evidence on UK regional inequality.

>>> import levelup
>>> gdp = levelup.data.indicator("gdp_per_head", "itl1")      # doctest: +SKIP
>>> levelup.geo.resolve("Tees Valley")                          # doctest: +SKIP
"""

__version__ = "0.1.0"

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)


def __getattr__(name: str):  # lazy subpackages keep `import levelup` fast
    import importlib

    if name in {"data", "geo", "models", "analysis", "report"}:
        return importlib.import_module(f"levelup.{name}")
    raise AttributeError(f"module 'levelup' has no attribute {name!r}")


__all__ = ["OGL_ATTRIBUTION", "__version__", "analysis", "data", "geo", "models", "report"]
