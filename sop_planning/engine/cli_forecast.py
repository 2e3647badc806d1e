"""Sub-commands ``forecast`` and ``backtest`` (filled in by the forecast engine)."""


def register(subparsers):
    """Add the forecast sub-commands to ``subparsers``."""
