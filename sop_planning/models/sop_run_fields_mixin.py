from odoo import api, models
from odoo.exceptions import UserError


class SopRunFieldsMixin(models.AbstractModel):
    """Fields that an S&OP run computes and stores: nobody types them in.

    Forms show them read-only; this refuses them on ``create`` and ``write``
    (RPC and imports alike) unless the run itself writes them, in superuser
    mode (``sudo``).
    """

    _name = "sop.run.fields.mixin"
    _description = "S&OP Fields Stored by a Run"

    # names of the fields a run stores
    _sop_run_fields = frozenset()

    def _sop_run_name(self):
        """What computes them, for the error message."""
        raise NotImplementedError

    @api.model_create_multi
    def create(self, vals_list):
        self._check_run_fields(set().union(*vals_list))
        return super().create(vals_list)

    def write(self, vals):
        self._check_run_fields(vals)
        return super().write(vals)

    def _check_run_fields(self, names):
        typed = self._sop_run_fields.intersection(names)
        if typed and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s can only be computed by %(run)s, not set by hand.",
                    fields=", ".join(
                        self._fields[name].get_description(self.env)["string"]
                        for name in sorted(typed)
                    ),
                    run=self._sop_run_name(),
                )
            )
