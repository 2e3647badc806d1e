"""Sub-commands ``policy`` and ``simulate`` (filled in by the policy engine)."""


def register(subparsers):
    """Add the policy sub-commands to ``subparsers``."""
