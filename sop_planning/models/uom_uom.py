from odoo import api, models
from odoo.tools import formatLang


class UomUom(models.Model):
    _inherit = "uom.uom"

    def _sop_quantity_step(self):
        """Smallest quantity of this unit that S&OP plans and orders.

        1 for a unit that counts pieces (Units and the units built on it,
        such as packs: whole pieces, whole packs); the unit's rounding
        otherwise (Odoo 19: the "Product Unit" precision, 0.01 by default).
        """
        self.ensure_one()
        # the unit's id, cached by Odoo (env.ref also queries that it exists:
        # a query per rule whose quantity to order Odoo computes); unlinking
        # a record deletes its external id
        unit_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(
            "uom.product_uom_unit"
        )[1]
        unit = self.browse(unit_id)
        if unit and self._has_common_reference(unit):
            return max(self.rounding, 1.0)
        return self.rounding

    def _sop_format_qty(self, value):
        """``value`` of this unit as the reader's language writes it: whole
        pieces without decimals (``_sop_quantity_step``), others to two."""
        digits = 0 if self and self._sop_quantity_step() >= 1 else 2
        return formatLang(self.env, value, digits=digits)

    @api.model
    def _sop_quantity_steps(self, uom_ids):
        """``{unit id: _sop_quantity_step}`` of the units ``uom_ids`` (a few
        units for many products)."""
        units = self.browse(sorted({int(uom_id) for uom_id in uom_ids}))
        return {unit.id: unit._sop_quantity_step() for unit in units}

    def _sop_packs(self, product_uom):
        """How many ``product_uom`` this purchase unit holds if it is a pack.

        0 where it is the product's own unit, a smaller one, or one of
        another kind (no conversion).
        """
        self.ensure_one()
        if (
            not product_uom
            or self == product_uom
            or not self._has_common_reference(product_uom)
        ):
            return 0.0
        packs = self.factor / product_uom.factor
        return packs if packs > 1.0 else 0.0
