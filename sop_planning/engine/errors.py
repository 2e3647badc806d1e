"""Errors raised by the engine on bad input."""

import numpy as np


class EngineInputError(ValueError):
    """Input the engine cannot use; the message names the item or column."""


def shown(value):
    """``value`` as an error message shows it: a numpy number as a plain one
    (``-5.0``, not ``np.float64(-5.0)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)
