from odoo import api, models
from odoo.exceptions import UserError


class SopRunFieldsMixin(models.AbstractModel):
    """Fields that an S&OP run computes and stores: nobody types them in.

    Forms show them read-only; this refuses them on ``create`` and ``write``
    (RPC and imports alike) unless the run itself writes them, in superuser
    mode (``sudo``). A copy made by a user starts without them.
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

    def copy_data(self, default=None):
        vals_list = super().copy_data(default)
        if self.env.su:
            return vals_list
        given = set(default or ())
        return [
            {
                name: value
                for name, value in vals.items()
                if name not in self._sop_run_fields or name in given
            }
            for vals in vals_list
        ]

    def _check_run_fields(self, names):
        typed = self._sop_run_fields.intersection(names)
        if typed and not self.env.su:
            raise UserError(
                self.env._(
                    "%(fields)s can only be computed by %(run)s, not set by hand.",
                    fields=", ".join(
                        sorted(
                            self._fields[name].get_description(self.env)["string"]
                            for name in typed
                        )
                    ),
                    run=self._sop_run_name(),
                )
            )
