from odoo import api, models


class SopFrozenMixin(models.AbstractModel):
    """The freeze rule: an approved or closed cycle and its plan data are frozen.

    The cycle and every model of its plan inherit this mixin. Creating or
    deleting records of a frozen cycle is refused, and so is a write that
    touches a field outside ``_frozen_exempt_fields()``. A file that adds a
    field a frozen cycle must still accept (a technical flag, a fact recorded
    after approval) extends ``_frozen_exempt_fields`` next to that field.
    """

    _name = "sop.frozen.mixin"
    _description = "S&OP Data Frozen with its Cycle"

    def _frozen_cycles(self):
        """The cycles whose freeze applies to these records."""
        return self.cycle_id

    def _frozen_exempt_fields(self):
        """Fields written even when the cycle is frozen; extend with super()."""
        return set()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._frozen_cycles()._check_not_frozen()
        return records

    def write(self, vals):
        if set(vals) - self._frozen_exempt_fields():
            self._frozen_cycles()._check_not_frozen()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        self._frozen_cycles()._check_not_frozen()
