"""The words of a policy's explanation, to show it in the reader's language.

``compute_policy`` (with ``policy_allocation`` and ``policy_rounding``)
writes each policy's explanation in English: formulas with their numbers,
joined by words. ``EXPLANATION_PHRASES`` lists those words;
``phrase_words(translations)`` turns the translations of those words,
keyed by the English words, into the ``words`` of
``translate_explanation(text, words)`` (``explanation_translator(words)``
for many texts), which replaces each phrase found in
``text`` by its translation in ``words`` (English phrase -> translation),
longest phrase first and each part of the text once, so the formulas and
numbers stay as they are.
"""

import re

PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
EXPLANATION_PHRASES = (
    "no forecast demand: min = max = 0",
    " d (lead ",
    " + review ",
    " from G(z) = ",
    "smallest s reaching cycle",
    "smallest s reaching fill rate",
    "(mean ",
    "ROP for a simulated fill rate of ",
    "= quantile of lead-time demand at ",
    " on the item's own demand history resampled at its own level ",
    " on the item's own demand history resampled to the forecast level ",
    " (lead time drawn per order, sd ",
    " (MOQ, multiple); ",
    "; its own history sold in the window: expected fill rate 0",
    "; periods of its history above ",
    " counted as that (a typo or a one-off order)",
    *(f"; the target is shared by the {pattern} items: " for pattern in PATTERNS),
    "their reorder points are chosen together to reach it at the least stock value",
    ", no fill bought at more than ",
    " x the group's average stock value per unit served",
    "; this item's simulated fill rate ",
    "; together they fall short of the target, at a simulated fill rate of ",
    "; without a unit cost it is planned alone at its target",
    "; without a unit cost the EOQ is a month of demand",
    "service level from the ",
    " aggregate fill-rate allocation, ",
    " kept within ",
    "; rounded up: min ",
    " (steps of ",
    " and lot ",
    " (multiples of ",
)


def phrase_words(translations):
    """``{phrase: translation}`` for ``explanation_translator`` from
    ``translations``: each phrase of ``EXPLANATION_PHRASES`` without the
    spaces around it -> its translation, which gets the phrase's spaces.

    Keyed by the English words, not by position: the phrases may be listed
    in any order. A phrase without a translation, or a translation of words
    the engine does not write, raises ``ValueError``.
    """
    phrases = {phrase.strip(): phrase for phrase in EXPLANATION_PHRASES}
    missing = sorted(phrases.keys() - translations.keys())
    unknown = sorted(translations.keys() - phrases.keys())
    if missing or unknown:
        raise ValueError(
            f"explanation words without a translation: {missing}; "
            f"translations of no explanation phrase: {unknown}"
        )
    return {
        phrase: _spaced(phrase, translations[english])
        for english, phrase in phrases.items()
    }


def _spaced(phrase, word):
    """``word`` with the spaces around ``phrase``."""
    lead = phrase[: len(phrase) - len(phrase.lstrip())]
    trail = phrase[len(phrase.rstrip()) :]
    return f"{lead}{word.strip()}{trail}"


def explanation_translator(words):
    """Return a function that replaces in a text each phrase of ``words``
    (English -> translation); a phrase without a translation stays English.
    Built once for all the explanations of one language."""
    words = {
        english: words[english] for english in EXPLANATION_PHRASES if words.get(english)
    }
    if not words:
        return lambda text: text
    phrases = sorted(words, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(phrase) for phrase in phrases))
    return lambda text: text and pattern.sub(lambda match: words[match.group(0)], text)


def translate_explanation(text, words):
    """``text`` with each phrase of ``words`` (English -> translation)
    replaced; a phrase without a translation stays English."""
    return explanation_translator(words)(text)
