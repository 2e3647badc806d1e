"""Sub-command ``plan``: the S&OP workbook from CSV files (filled in later)."""


def register(subparsers):
    """Add the plan sub-command to ``subparsers``."""
