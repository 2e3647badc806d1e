"""The one split of items that every accuracy and policy bench uses.

Methods and settings are chosen on the ``choose`` half of the items and
figures are reported on the ``report`` half only. The half of an item is
fixed by a hash of its id (CRC-32 of its text), so it does not depend on the
order of the rows, on the data set's size or on the Python process.
"""

import zlib

import numpy as np

CHOOSE = "choose"
REPORT = "report"


def item_half(item_ids):
    """Return an array of ``"choose"`` / ``"report"``, one per item id."""
    hashes = np.fromiter(
        (zlib.crc32(str(item).encode()) for item in item_ids),
        dtype=np.uint64,
        count=len(item_ids),
    )
    return np.where(hashes % 2 == 0, CHOOSE, REPORT)


def report_mask(item_ids):
    """Boolean mask of the items whose figures may be reported."""
    return item_half(item_ids) == REPORT
