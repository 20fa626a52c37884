"""The ``levelup`` command line: thin wrappers over the package.

Exit codes: 0 everything asked for was produced; 1 some outputs failed (a batch with
failures); 2 bad input (unknown region, source or parameter; bad usage); 3 data
missing or failing its checksum; 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from levelup import __version__
from levelup.errors import (
    ChecksumError,
    DataNotFoundError,
    LayoutError,
    LevelupError,
    ParameterError,
    UnknownRegionError,
    UnknownSourceError,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATA = 0, 1, 2, 3


def _cmd_fetch(args: argparse.Namespace) -> int:
    from levelup.data import fetch

    paths = fetch(args.ids or None, mirrors=args.mirror or None, force=args.force, progress=not args.quiet)
    for sid, path in paths.items():
        print(f"{sid:20s} {path}")
    return EXIT_OK


def _cmd_sources(args: argparse.Namespace) -> int:
    from levelup.data import sources

    df = sources()
    cols = ["id", "release", "filename", "mirror_only"] if not args.long else list(df.columns)
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 70):
        print(df[cols].to_string(index=False))
    return EXIT_OK


def _cmd_regions(args: argparse.Namespace) -> int:
    import pandas as pd

    from levelup.geo import regions

    df = regions(args.level).copy()
    if "members" in df.columns:  # combined authorities and places: a count, not the list
        kinds = df["member_level"] if "member_level" in df.columns else pd.Series("lad", index=df.index)
        names = {"itl3": "ITL3 units", "lad": "local authorities"}
        df["members"] = [f"{len(m)} {names.get(k, 'areas')}" for m, k in zip(df["members"], kinds)]
    df = df.drop(columns=[c for c in ("member_level", "note", "exact") if c in df.columns])
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 60):
        print(df.to_string(index=False))
    if args.level == "place":
        print("\nMembers and notes: levelup.geo.regions('place'), or levelup/geo/places.toml.")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from levelup.analysis import headline

    table = headline(args.region, level=args.level, benchmark=args.benchmark, start_year=args.start_year,
                     end_year=args.end_year)
    print(table.summary())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="levelup",
        description="Reproducible evidence on UK regional inequality from official ONS data.",
        epilog="Examples:\n  levelup report \"North East\"\n  levelup report --all --level itl3 --jobs 2\n"
        "  levelup show \"Tees Valley\"\n  levelup regions --level itl2\n\n"
        "Exit codes: 0 ok, 1 some outputs failed, 2 bad input, 3 data missing or corrupt, 130 interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"levelup {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    f = sub.add_parser("fetch", help="get ONS files into data/raw (mirror, then download), checksum-verified")
    f.add_argument("ids", nargs="*", help="source ids (default: all; see `levelup sources`)")
    f.add_argument("--mirror", action="append", help="a folder holding copies of the files (repeatable)")
    f.add_argument("--force", action="store_true", help="fetch again even if a verified copy exists")
    f.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    f.set_defaults(func=_cmd_fetch)

    s = sub.add_parser("sources", help="list the registered ONS sources")
    s.add_argument("--long", action="store_true", help="all columns (URLs, sha256, licence)")
    s.set_defaults(func=_cmd_sources)

    r = sub.add_parser("regions", help="list regions at a level")
    r.add_argument("--level", default="itl1", help="itl1, itl2, itl3, lad, cauth or place (default itl1)")
    r.set_defaults(func=_cmd_regions)

    sh = sub.add_parser("show", help="print the headline table of a region or place")
    sh.add_argument("region", help="name or code, e.g. 'North East', TLC, 'Tees Valley'")
    sh.add_argument("--level", default=None, help="disambiguate a name used at several levels")
    sh.add_argument("--benchmark", default="UK", help="compare with this region instead of the UK (index = 100)")
    sh.add_argument("--start-year", type=int, default=None, help="first year (default: the data's first)")
    sh.add_argument("--end-year", type=int, default=None, help="last year (default: the data's latest)")
    sh.set_defaults(func=_cmd_show)

    from levelup.report.cli import add_parsers

    add_parsers(sub)  # report, template, doctor, cite
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `levelup regions | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (UnknownRegionError, UnknownSourceError, ParameterError) as exc:
        print(f"levelup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DataNotFoundError, ChecksumError, LayoutError) as exc:
        print(f"levelup: data error: {exc}", file=sys.stderr)
        return EXIT_DATA
    except LevelupError as exc:
        print(f"levelup: error: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
