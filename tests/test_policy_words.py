"""A policy's explanation in the reader's language: words, not formulas."""

import numpy as np
import pytest
from test_policy import make_demand, make_items, policy_of
from test_policy_law import bursty_demand, flat_forecast, lumpy_demand, lumpy_items

from sop_planning.engine import policy_words
from sop_planning.engine.policy import compute_policy
from sop_planning.engine.policy_words import (
    EXPLANATION_PHRASES,
    phrase_words,
    translate_explanation,
)

MARKED = {phrase: f"<{phrase.strip()}>" for phrase in EXPLANATION_PHRASES}


def _lumpy_explanations(make_history, demand=lumpy_demand, target=0.95):
    history = demand(20, 48, seed=10)
    item_ids = np.arange(20)
    items = lumpy_items(item_ids, target).assign(service_type="cycle", review_days=0.0)
    policy = compute_policy(
        items,
        flat_forecast(history, item_ids),
        history=make_history(history),
        freq="M",
        max_cover_days=61,
    )
    return list(policy["explanation"])


def test_words_are_translated_formulas_stay():
    row = policy_of(make_items(service_level=0.95), make_demand([100], [20]))
    words = {
        " d (lead ": " d (levering ",
        " + review ": " + gennemgang ",
        " (MOQ, multiple); ": " (MOQ, multiplum); ",
    }
    text = translate_explanation(row["explanation"], words)
    assert "LTD = 400.0 over 4.0 d (levering 4.0 + gennemgang 0.0); " in text
    assert "SS = 1.645 x sqrt(4.0 x 20.0^2 + 100.0^2 x 0.0^2) = 65.8" in text
    assert "(MOQ, multiplum); max = ROP + Q = " in text
    assert translate_explanation(row["explanation"], {}) == row["explanation"]
    assert translate_explanation(False, words) is False


def test_the_phrases_are_the_engines(make_history):
    """The phrases match the explanations the engine writes: a resampled
    lumpy item's, a bursty item's whose group falls short of its target, a
    normal item's and one without demand."""
    texts = [
        *_lumpy_explanations(make_history),
        *_lumpy_explanations(make_history, bursty_demand, 0.98),
        policy_of(make_items(), make_demand([100], [20]))["explanation"],
        policy_of(make_items(), make_demand([0], [0]))["explanation"],
    ]
    found = {
        phrase for phrase in EXPLANATION_PHRASES for text in texts if phrase in text
    }
    assert {
        "no forecast demand: min = max = 0",
        " d (lead ",
        " + review ",
        " (MOQ, multiple); ",
        "ROP for a simulated fill rate of ",
        "; the target is shared by the lumpy items: ",
        "their reorder points are chosen together to reach it at the least stock value",
        "; this item's simulated fill rate ",
        "; together they fall short of the target, at a simulated fill rate of ",
    } <= found
    lumpy = translate_explanation(texts[0], MARKED)
    assert "<ROP for a simulated fill rate of>0.95" in lumpy
    assert "<their reorder points are chosen together" in lumpy


def _shouted():
    """Each phrase's words (no spaces around) -> the same words in capitals."""
    return {phrase.strip(): phrase.strip().upper() for phrase in EXPLANATION_PHRASES}


def test_translations_follow_their_words_not_their_place(monkeypatch):
    """Translations keyed by their English words: listed in another order
    than the engine's phrases (or the phrases reordered), each phrase still
    gets its own translation, with the spaces around the phrase."""
    shouted = _shouted()
    monkeypatch.setattr(policy_words, "EXPLANATION_PHRASES", EXPLANATION_PHRASES[::-1])
    words = phrase_words(dict(reversed(shouted.items())))
    assert set(words) == set(EXPLANATION_PHRASES)
    assert words[" d (lead "] == " D (LEAD "
    assert words["(mean "] == "(MEAN "
    for phrase, word in words.items():
        assert word == phrase.replace(phrase.strip(), phrase.strip().upper())


def test_a_missing_or_unknown_translation_fails_loudly():
    """A phrase of the engine without a translation, or a translation of
    words the engine does not write, is an error, not a shifted pairing."""
    shouted = _shouted()
    del shouted["d (lead"]
    with pytest.raises(ValueError, match=r"without a translation: \['d \(lead'\]"):
        phrase_words(shouted)
    shouted = _shouted() | {"d (lead time": "D (LEAD TIME"}
    with pytest.raises(ValueError, match=r"no explanation phrase: \['d \(lead time'\]"):
        phrase_words(shouted)
