"""The ``levelup report``, ``levelup template``, ``levelup doctor`` and ``levelup cite`` commands.

``levelup/cli.py`` wires them in with :func:`add_parsers` (each subcommand sets ``func``,
which returns the exit code)::

    sub = parser.add_subparsers(dest="command")
    levelup.report.cli.add_parsers(sub)
    args = parser.parse_args(argv)
    return args.func(args)
"""

from __future__ import annotations

import argparse
import sys


def add_report_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report",
        help="render region reports (PDF, HTML, notebook)",
        description="Render reports for REGION(s) (codes or names), or every region of a level with --all.",
        epilog="Exit codes: 0 every report exists, 1 some reports failed or a file could not be written, "
               "2 bad input (region, parameter, option), 3 data missing or corrupt, 130/143 interrupted.",
    )
    p.add_argument("regions", nargs="*", metavar="REGION",
                   help="a code or name: ITL1/ITL2/ITL3 region, council, combined authority or custom place "
                        "(e.g. TLC, 'North East', 'Tees Valley', E06000001); several allowed")
    p.add_argument("--level", help="itl1, itl2, itl3, lad, cauth or place (with --all, or to disambiguate a name)")
    p.add_argument("--all", action="store_true", help="every region of --level")
    p.add_argument("--format", default="pdf", help="comma-separated: pdf,html,ipynb (default pdf)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="worker processes, at least 1 (default and maximum: the CPU count)")
    p.add_argument("--out", default=None, help="output folder (default: reports/)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="template parameter; VALUE is YAML, so lists and dicts arrive typed")
    p.add_argument("--template", default=None, help="a custom template notebook")
    p.add_argument("--force", action="store_true", help="render even when nothing changed")
    p.add_argument("--dry-run", action="store_true", help="list what would be rendered and why")
    p.add_argument("--timeout", type=float, default=None, help="seconds a cell may run (default 120)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs and CI)")
    p.set_defaults(func=cli_report)
    return p


def cli_report(args: argparse.Namespace) -> int:
    """Run ``levelup report``; returns the exit code (0 only when everything asked for exists)."""
    from levelup.cli import EXIT_USAGE, error_line, exit_code
    from levelup.errors import LevelupError
    from levelup.report import parse_cli_params, render_many

    if not args.regions and not args.all:
        print("levelup report: name at least one REGION, or use --all --level LEVEL", file=sys.stderr)
        return EXIT_USAGE
    try:
        params = parse_cli_params(args.param)
        res = render_many(
            args.regions, jobs=args.jobs, formats=tuple(args.format.split(",")), out_dir=args.out, params=params,
            template=args.template, force=args.force, dry_run=args.dry_run, level=args.level, all=args.all,
            timeout=args.timeout, progress=not args.no_progress,
        )
    except LevelupError as exc:
        print(error_line(exc, "levelup report"), file=sys.stderr)
        return exit_code(exc)
    print(res.summary())
    return res.exit_code


def add_template_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("template", help="report templates: `levelup template new my_report.ipynb`",
                              description="Start a custom report from a copy of the default template.")
    sub = p.add_subparsers(dest="template_command", required=True, metavar="new")
    new = sub.add_parser("new", help="copy the default region report template as a starting point",
                         description="Copy the default region report template; render with the copy by "
                                     "`levelup report REGION --template NAME.ipynb`.")
    new.add_argument("name", help="file name (.ipynb added if missing)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(func=lambda a: _template_new(a.name, a.force))
    return p


def _template_new(name: str, force: bool) -> int:
    from levelup.report.doctor import new_template

    try:
        dest = new_template(name, overwrite=force)
    except FileExistsError as exc:
        print(f"levelup template new: {exc}", file=sys.stderr)
        return 1
    print(dest)
    print(f"Edit it in Jupyter, then render with it:\n  levelup report \"North East\" --template {dest}")
    return 0


def add_doctor_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("doctor", help="check the PDF engine, fonts, data and cache; say what to fix",
                              description="Check that this machine can render reports: the PDF engine "
                                          "(Chromium), fonts, the ONS files, the cache and the template. "
                                          "Prints [ok] or [FIX] with what to do; exit 0 when all is well.")
    p.set_defaults(func=lambda a: __import__("levelup.report.doctor", fromlist=["doctor"]).doctor())
    return p


def add_cite_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("cite", help="how to cite levelup and the data releases a report used",
                              description="Print a citation for levelup and the ONS releases (with file "
                                          "checksums) that a rendered report read; every registered release "
                                          "when no report is named.")
    p.add_argument("report", nargs="?", help="a rendered report (PDF/HTML/CSV path) or region code")
    p.add_argument("--out", default=None, help="the reports folder holding the manifest (default: reports/)")
    p.add_argument("--bibtex", action="store_true", help="levelup's citation as a BibTeX entry")

    def run(a) -> int:
        from levelup.report.doctor import cite

        print(cite(a.report, out_dir=a.out, bibtex=a.bibtex))
        return 0

    p.set_defaults(func=run)
    return p


def add_parsers(subparsers) -> None:
    """Add ``report``, ``template``, ``doctor`` and ``cite`` to a ``levelup`` argparse parser."""
    add_report_parser(subparsers)
    add_template_parser(subparsers)
    add_doctor_parser(subparsers)
    add_cite_parser(subparsers)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m levelup.report.cli report TLC``) until levelup/cli.py wires it."""
    parser = argparse.ArgumentParser(prog="levelup")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
