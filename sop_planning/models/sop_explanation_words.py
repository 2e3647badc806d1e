"""A policy explanation's words in the user's language.

The engine writes the explanation in English (``engine.policy_words``); the
policy shows it with these words translated, its formulas and numbers as
they are. Each phrase is a term of the add-on, without the spaces around
it, which the explanation keeps.
"""

from odoo import api, fields, models

from ..engine.policy_words import explanation_translator, phrase_words


class SopExplainedMixin(models.AbstractModel):
    """An ``explanation`` (the engine's English trace) shown in the user's
    language: policies, and the reorder proposals that quote them."""

    _name = "sop.explained.mixin"
    _description = "S&OP Explanation in the User's Language"

    explanation = fields.Text(readonly=True)
    explanation_display = fields.Text(
        string="Explanation in Your Language",
        compute="_compute_explanation_display",
        help="The explanation in the user's language: its words translated, "
        "its formulas and numbers as computed.",
    )

    @api.depends("explanation")
    @api.depends_context("lang")
    def _compute_explanation_display(self):
        translate = self._explanation_translator()
        for record in self:
            record.explanation_display = translate(record.explanation)

    def _explanation_translator(self):
        """A function translating the engine's words of an explanation to the
        language of ``self.env``."""
        english = (self.env.lang or "en_US") == "en_US"
        return explanation_translator({} if english else explanation_words(self.env))


def explanation_words(env):
    """English phrase of an explanation -> the phrase in ``env``'s language.

    The terms are paired with the engine's phrases by their English words
    (the same terms read in English), not by their place in a list.
    """
    english = _explanation_terms(env(context=dict(env.context, lang="en_US")))
    return phrase_words(dict(zip(english, _explanation_terms(env), strict=True)))


def _explanation_terms(env):
    """The words of an explanation, as the add-on's terms in ``env``'s language."""
    return (
        env._("no forecast demand: min = max = 0"),
        env._("d (lead"),
        env._("+ review"),
        env._("from G(z) ="),
        env._("smallest s reaching cycle"),
        env._("smallest s reaching fill rate"),
        env._("(mean"),
        env._("ROP for a simulated fill rate of"),
        env._("= quantile of lead-time demand at"),
        env._("on the item's own demand history resampled at its own level"),
        env._("on the item's own demand history resampled to the forecast level"),
        env._("(lead time drawn per order, sd"),
        env._("(MOQ, multiple);"),
        env._("; its own history sold in the window: expected fill rate 0"),
        env._("; periods of its history above"),
        env._("counted as that (a typo or a one-off order)"),
        env._("; the target is shared by the smooth items:"),
        env._("; the target is shared by the erratic items:"),
        env._("; the target is shared by the intermittent items:"),
        env._("; the target is shared by the lumpy items:"),
        env._(
            "their reorder points are chosen together to reach it at the least "
            "stock value"
        ),
        env._(", no fill bought at more than"),
        env._("x the group's average stock value per unit served"),
        env._("; this item's simulated fill rate"),
        env._("; together they fall short of the target, at a simulated fill rate of"),
        env._("; without a unit cost it is planned alone at its target"),
        env._("; without a unit cost the EOQ is a month of demand"),
        env._("service level from the"),
        env._("aggregate fill-rate allocation,"),
        env._("kept within"),
        env._("; rounded up: min"),
        env._("(steps of"),
        env._("and lot"),
        env._("(multiples of"),
    )
