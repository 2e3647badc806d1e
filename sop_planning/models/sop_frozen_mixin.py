from odoo import api, models
from odoo.exceptions import UserError


class SopFrozenMixin(models.AbstractModel):
    """The freeze rule: an approved or closed cycle and its plan data are frozen.

    The cycle and every model of its plan inherit this mixin. Creating or
    deleting records of a frozen cycle is refused, and so is a write that
    touches a field outside ``_frozen_exempt_fields()``. A file that adds a
    field a frozen cycle must still accept (a technical flag, a fact recorded
    after approval) extends ``_frozen_exempt_fields`` next to that field.
    The fields that place a record (its cycle, product, month...) are set
    when it is created: moving it would carry plan data into a frozen cycle
    or past the demand review (``_frozen_fixed_fields``).
    """

    _name = "sop.frozen.mixin"
    _description = "S&OP Data Frozen with its Cycle"

    def _frozen_cycles(self):
        """The cycles whose freeze applies to these records."""
        return self.cycle_id

    def _frozen_exempt_fields(self):
        """Fields written even when the cycle is frozen; extend with super()."""
        return set()

    def _frozen_fixed_fields(self):
        """Fields that place a record in its cycle: never changed by users."""
        return {"cycle_id"} & set(self._fields)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._frozen_cycles()._check_not_frozen()
        return records

    def write(self, vals):
        self._check_fixed_fields(vals)
        if set(vals) - self._frozen_exempt_fields():
            self._frozen_cycles()._check_not_frozen()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        self._frozen_cycles()._check_not_frozen()

    def _check_fixed_fields(self, vals):
        """Refuse a user's write that moves a record (same values pass)."""
        if self.env.su:
            return
        for name in sorted(self._frozen_fixed_fields() & set(vals)):
            field = self._fields[name]
            value = field.convert_to_record(
                field.convert_to_cache(vals[name], self), self
            )
            for record in self:
                if value != record[name]:
                    raise UserError(
                        self.env._(
                            "%(field)s of %(record)s cannot be changed: plan "
                            "data stays in the cycle, product, warehouse and "
                            "month it was made for.",
                            field=field.get_description(self.env)["string"],
                            record=record.display_name,
                        )
                    )
