"""Random numbers drawn per item from a stream of its own.

Public API: ``item_keys(item_ids)`` and ``ItemRandom(keys, seed)`` (its
``random``, ``standard_normal``, ``gamma`` and ``binomial``).

A law resampled from one generator for the whole catalogue gives an item
other draws whenever another item is added, archived or planned in another
chunk: on the spare parts set of ``../shared/data``, leaving 5 of 3451
items out moved the reorder point of 1274 others (median 18 %), so the
nightly refresh rewrote rules nothing about them had changed. Here every
item draws from a counter-based stream of its own (SplitMix64 started from
a hash of the item's key and the stream's seed): its draws, and so its
policy, depend on its own data only, whatever is planned with it.
Everything stays vectorised across items: the n-th draw of an item is a
hash of (item, seed, n).
"""

import numpy as np
import pandas as pd
from scipy import special

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
# drawn exactly up to 64 trials or a variance of 25, else from the normal law
_EXACT_BINOMIAL = 64
_EXACT_VARIANCE = 25.0
_BLOCK = 1 << 18  # draws worked on at a time (small buffers, reused)


def _mix(value, scratch):
    """Apply SplitMix64's finaliser to a uint64 array in place (wraps)."""
    for shift, factor in ((30, _MIX_1), (27, _MIX_2), (31, None)):
        np.right_shift(value, np.uint64(shift), out=scratch)
        value ^= scratch
        if factor is not None:
            value *= factor
    return value


def item_keys(item_ids):
    """Return a uint64 key per item id: a stable hash of the id's text."""
    return pd.util.hash_array(np.asarray(item_ids).astype(str).astype(object))


class ItemRandom:
    """Per item streams of random numbers; each draw is items x ``size``.

    ``keys``: one uint64 per item (``item_keys``), None for the row numbers
    of ``n_items`` (an item's draws then depend on its row, as with one
    generator).
    """

    def __init__(self, keys, seed, n_items=None):
        if keys is None:
            keys = np.arange(n_items, dtype=np.uint64)
        keys = np.array(keys, dtype=np.uint64)
        seed = np.array([int(seed) % 2**64], dtype=np.uint64) + _GOLDEN
        keys ^= _mix(seed, np.empty(1, dtype=np.uint64))
        self.start = _mix(keys, np.empty_like(keys))
        self.used = 0

    def random(self, size, rows=None):
        """Return uniform draws in (0, 1); with ``rows`` (an index of the
        items) those items' draws only, the other streams moving on alike."""
        counter = np.arange(self.used + 1, self.used + size + 1, dtype=np.uint64)
        counter *= _GOLDEN
        self.used += size
        starts = self.start if rows is None else self.start[rows]
        uniform = np.empty((len(starts), size))
        per_block = max(1, _BLOCK // max(size, 1))
        bits = np.empty((per_block, size), dtype=np.uint64)
        scratch = np.empty_like(bits)
        for first in range(0, len(starts), per_block):
            start = starts[first : first + per_block, None]
            block, spare = bits[: len(start)], scratch[: len(start)]
            _mix(np.add(start, counter[None, :], out=block), spare)
            block >>= np.uint64(11)
            uniform[first : first + per_block] = block
        uniform += 0.5
        uniform *= 2.0**-53
        # the top draw would round to 1.0
        return np.minimum(uniform, np.nextafter(1.0, 0.0), out=uniform)

    def standard_normal(self, size):
        """Return standard normal draws (inverse of the normal CDF)."""
        return special.ndtri(self.random(size))

    def gamma(self, shape, scale, size):
        """Return gamma draws of ``shape`` and ``scale`` (per item, items x 1)."""
        return special.gammaincinv(shape, self.random(size)) * scale

    def binomial(self, count, chance):
        """Return binomial draws of ``count`` trials (items x size) at
        ``chance`` (per item, items x 1): exact (the CDF inverted) up to
        ``_EXACT_BINOMIAL`` trials or a variance of ``_EXACT_VARIANCE``,
        from the normal law above (rounded, within 0 .. ``count``)."""
        count = np.asarray(count, dtype=float)
        chance = np.clip(np.broadcast_to(chance, count.shape), 0.0, 1.0)
        draw = self.random(count.shape[1])
        result = np.where(chance >= 1.0, count, 0.0)
        drawn = (count > 0) & (chance < 1.0)
        exact = (count <= _EXACT_BINOMIAL) | (
            count * chance * (1.0 - chance) <= _EXACT_VARIANCE
        )
        many = np.flatnonzero(drawn & ~exact)
        mean = count.flat[many] * chance.flat[many]
        spread = np.sqrt(mean * (1.0 - chance.flat[many]))
        normal = np.round(mean + spread * special.ndtri(draw.flat[many]))
        result.flat[many] = np.clip(normal, 0.0, count.flat[many])
        few = np.flatnonzero(drawn & exact)
        for first in range(0, len(few), _BLOCK):
            where = few[first : first + _BLOCK]
            result.flat[where] = _inverse_binomial(
                count.flat[where], chance.flat[where], draw.flat[where]
            )
        return result


def _inverse_binomial(trials, chance, wanted):
    """Return the smallest k with P(Binomial(trials, chance) <= k) >= wanted."""
    result = np.zeros(len(trials))
    term = (1.0 - chance) ** trials  # P(X = 0)
    below = term.copy()  # P(X <= k)
    ratio = chance / (1.0 - chance)
    index = np.arange(len(trials))
    k = 0
    while len(index):
        going = (wanted > below) & (trials > k)
        index, trials, ratio = index[going], trials[going], ratio[going]
        term, below, wanted = term[going], below[going], wanted[going]
        k += 1
        result[index] = k
        term *= (trials - k + 1) / k * ratio
        below += term
    return result
