"""One parser per ONS publication layout.

Each module exposes ``PARSER_VERSION`` (bump it when the output changes, which
invalidates the processed cache) and ``parse(paths, source) -> DataFrame`` returning
the tidy schema of :mod:`levelup.data.cache`. Parsers check the layout they expect
with :mod:`levelup.data.ons._excel` and raise ``LayoutError`` naming sheet and header.
"""
