"""Errors raised by the engine on bad input."""


class EngineInputError(ValueError):
    """Input the engine cannot use; the message names the item or column."""
