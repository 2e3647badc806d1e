from odoo import api, fields, models

from .sop_common import set_worded


class SopSkipReasonMixin(models.AbstractModel):
    """A skip reason stored as the run worded it and as (code, values), shown
    in the reader's language (``_skip_text`` words it)."""

    _name = "sop.skip.reason.mixin"
    _description = "S&OP Skip Reason in the Reader's Words"

    skip_reason = fields.Char(
        string="Skip Reason as Written",
        readonly=True,
        help="The skip reason in the language of the run that found it; "
        "Skip Reason shows it in yours.",
    )
    skip_words = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="The skip reason as the run gave it: a (code, values) pair, to "
        "word it in each reader's language (none: the stored text is shown).",
    )
    skip_reason_display = fields.Char(
        string="Skip Reason", compute="_compute_skip_reason_display"
    )

    @api.depends("skip_reason", "skip_words")
    @api.depends_context("lang")
    def _compute_skip_reason_display(self):
        """The skip reason in the reader's words; as stored without words."""
        set_worded(
            self,
            "skip_reason_display",
            "skip_reason",
            "skip_words",
            lambda _record, words: self._skip_text(words),
        )

    @api.model
    def _skip_text(self, words):
        """A skip reason in ``self.env``'s language from its (code, values)
        ``words``."""
        raise NotImplementedError

    @api.model
    def _skip_words(self, code, **values):
        """(text in ``self.env``'s language, words) of a skip reason."""
        words = {"code": code, "values": values}
        return self._skip_text(words), words
