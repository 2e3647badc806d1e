# pylint: disable=print-used
"""Command line of the engine: one sub-command per job, on CSV files."""

import argparse
import sys

from . import cli_forecast, cli_plan, cli_policy


def build_parser():
    """Return the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="python -m sop_planning.engine",
        description="S&OP engine on CSV files (no Odoo needed).",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli_forecast.register(subparsers)
    cli_policy.register(subparsers)
    cli_plan.register(subparsers)
    return parser


def main(argv=None):
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args) or 0
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
