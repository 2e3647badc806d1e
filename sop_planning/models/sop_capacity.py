from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SopCapacity(models.Model):
    """Monthly supply capacity of a product category or of a vendor.

    The supply review adds up the confirmed and planned receipts of every
    product of the category (with its sub-categories) or bought from the
    vendor (first vendor of its pricelist), per month over all warehouses, and
    flags the months where that total exceeds the capacity, on the lines of
    the products receiving in them.
    """

    _name = "sop.capacity"
    _description = "S&OP Monthly Capacity"
    _order = "company_id, categ_id, vendor_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    categ_id = fields.Many2one("product.category", string="Product Category")
    vendor_id = fields.Many2one("res.partner", check_company=True)
    capacity_qty = fields.Float(
        string="Monthly Capacity", digits="Product Unit", required=True
    )
    active = fields.Boolean(default=True)
    note = fields.Char()

    _capacity_positive = models.Constraint(
        "CHECK (capacity_qty >= 0)", "A capacity cannot be negative."
    )

    @api.constrains("categ_id", "vendor_id")
    def _check_one_target(self):
        for capacity in self:
            if bool(capacity.categ_id) == bool(capacity.vendor_id):
                raise ValidationError(
                    self.env._("A capacity is set for a category or for a vendor.")
                )

    @api.depends("categ_id", "vendor_id", "capacity_qty")
    def _compute_display_name(self):
        for capacity in self:
            target = capacity.categ_id or capacity.vendor_id
            capacity.display_name = self.env._(
                "%(target)s: %(qty)s / month",
                target=target.display_name or "",
                qty=capacity.capacity_qty,
            )
