"""The ``levelup`` command line: thin wrappers over the package.

Exit codes (:data:`EXIT_CODES`, the one table the help text, the docs and every command use):
0 everything asked for was produced; 1 some outputs failed (a batch with failures, a file
that cannot be written); 2 bad input (unknown region, source or parameter; bad usage); 3 data
missing or failing its checksum; 130/143 interrupted (SIGINT/SIGTERM).
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
EXIT_CODES = {EXIT_OK: "ok", EXIT_FAILED: "some outputs failed", EXIT_USAGE: "bad input",
              EXIT_DATA: "data missing or corrupt", 130: "interrupted"}


def exit_code(exc: BaseException) -> int:
    """The exit code of a command that stopped on ``exc`` (see :data:`EXIT_CODES`)."""
    if isinstance(exc, (DataNotFoundError, ChecksumError, LayoutError)):
        return EXIT_DATA
    if isinstance(exc, (UnknownRegionError, UnknownSourceError, ParameterError)):
        return EXIT_USAGE
    return EXIT_FAILED


def error_line(exc: BaseException, prog: str = "levelup") -> str:
    """``levelup: error: ...`` (``data error`` for missing or corrupt data): one line to print."""
    kind = "data error" if exit_code(exc) == EXIT_DATA else "error"
    return f"{prog}: {kind}: {exc}"


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

    level = _level_arg(args)
    df = regions(level).copy()
    if "members" in df.columns:  # combined authorities and places: a count, not the list
        kinds = df["member_level"] if "member_level" in df.columns else pd.Series("lad", index=df.index)
        from levelup.geo.levels import LEVELS

        df["members"] = [f"{len(m)} {LEVELS[k].plural if k in LEVELS else 'areas'}" for m, k in zip(df["members"], kinds)]
    df = df.drop(columns=[c for c in ("member_level", "note", "exact") if c in df.columns])
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 60):
        print(df.to_string(index=False))
    if level == "place":
        print("\nMembers and notes: levelup.geo.regions('place'), or levelup/geo/places.toml.")
    return EXIT_OK


def _level_arg(args: argparse.Namespace) -> str:
    """``levelup regions itl2`` and ``levelup regions --level itl2`` are the same; both differing is an error."""
    given = [v for v in (args.level_pos, args.level) if v]
    if len(set(given)) > 1:
        raise ParameterError(f"two levels given ({given[0]!r} and --level {given[1]!r}): give one")
    return given[0] if given else "itl1"


def _check_years(args: argparse.Namespace) -> None:
    """Refuse years outside the data (they were cut silently): name the data's range."""
    if args.start_year is None and args.end_year is None:
        return
    from levelup.analysis import headline

    if args.start_year is not None and args.end_year is not None and args.start_year > args.end_year:
        raise ParameterError(f"--start-year {args.start_year} is after --end-year {args.end_year}")
    frame = headline(args.region, level=args.level, benchmark=args.benchmark).to_frame()
    first, last = frame["first_year"].dropna(), frame["year"].dropna()
    if first.empty:
        return  # no measure at all: headline says why
    lo, hi = int(first.min()), int(last.max())
    for flag, year in (("--start-year", args.start_year), ("--end-year", args.end_year)):
        if year is not None and not lo <= year <= hi:
            raise ParameterError(f"{flag} {year} is outside the data for {args.region!r}, which covers {lo}-{hi}; "
                                 f"choose years from {lo} to {hi}")


def _cmd_show(args: argparse.Namespace) -> int:
    from levelup.analysis import headline

    _check_years(args)
    table = headline(args.region, level=args.level, benchmark=args.benchmark, start_year=args.start_year,
                     end_year=args.end_year)
    print(table.summary())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="levelup",
        description="Reproducible evidence on UK regional inequality from official ONS data.",
        epilog="Examples:\n  levelup report \"North East\"\n  levelup report --all --level itl3 --jobs 2\n"
        "  levelup show \"Tees Valley\"\n  levelup regions itl2\n\n"
        "Exit codes: " + ", ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + ".",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"levelup {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    f = sub.add_parser("fetch", help="get ONS files into data/raw (mirror, then download), checksum-verified",
                       description="Copy the registered ONS files from a mirror, or download them, into the raw "
                                   "data folder; every file is checked against its registered sha256.")
    f.add_argument("ids", nargs="*", help="source ids (default: all; see `levelup sources`)")
    f.add_argument("--mirror", action="append", help="a folder holding copies of the files (repeatable)")
    f.add_argument("--force", action="store_true", help="fetch again even if a verified copy exists")
    f.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    f.set_defaults(func=_cmd_fetch)

    s = sub.add_parser("sources", help="list the registered ONS sources",
                       description="List the ONS releases levelup reads: id, release date, file name.")
    s.add_argument("--long", action="store_true", help="all columns (URLs, sha256, licence)")
    s.set_defaults(func=_cmd_sources)

    r = sub.add_parser("regions", help="list regions at a level", description="List the regions of a level "
                       "with their codes and parents: `levelup regions itl2` (or --level itl2).")
    r.add_argument("level_pos", nargs="?", metavar="LEVEL", help="itl1, itl2, itl3, lad, cauth or place (default itl1)")
    r.add_argument("--level", default=None, help="the same as LEVEL")
    r.set_defaults(func=_cmd_regions)

    sh = sub.add_parser("show", help="print the headline table of a region or place",
                        description="Print the headline indicators of a region against a benchmark (UK = 100 "
                                    "by default). Years outside the data are refused with the data's range.")
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
    except LevelupError as exc:
        print(error_line(exc), file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
