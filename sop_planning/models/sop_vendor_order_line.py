import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round, formatLang

from ..engine.policy_rounding import ceil_to, order_quantum
from .sop_common import MAX_ADJUSTMENT_QTY, finite_up_to, set_worded, typed_number
from .sop_reorder_proposal import OPEN_STATES
from .sop_vendor_order import ORDERED_REASONS

REASONS = [
    ("due", "Due Now"),
    ("added", "Brought Forward"),
    ("cut", "Cut"),
    ("deferred", "Deferred (Budget)"),
]


class SopVendorOrderLine(models.Model):
    """One product of a vendor order: why it is there and how much."""

    _name = "sop.vendor.order.line"
    _inherit = ["sop.run.fields.mixin"]
    _description = "S&OP Vendor Order Line"
    _order = "order_id, sequence, id"
    _check_company_auto = True
    # what the run builds: a buyer changes the quantity (priced again) only
    _sop_run_fields = frozenset(
        {
            "order_id",
            "company_id",
            "vendor_id",
            "product_id",
            "orderpoint_id",
            "proposal_id",
            "reason",
            "proposed_qty",
            "price_unit",
            "subtotal",
            "volume",
            "weight",
            "days_to_stockout",
            "qty_projected",
            "reorder_point",
            "explanation",
            "note_values",
            "budget_id",
            "budget_note",
            "budget_note_values",
            "purchase_line_id",
        }
    )

    order_id = fields.Many2one(
        "sop.vendor.order", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    vendor_id = fields.Many2one(related="order_id.vendor_id", store=True)
    order_state = fields.Selection(related="order_id.state", string="Order State")
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        string="Reordering Rule",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    proposal_id = fields.Many2one(
        "sop.reorder.proposal",
        string="Reorder Proposal",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    reason = fields.Selection(REASONS, required=True, default="due")
    quantity = fields.Float(digits="Product Unit")
    proposed_qty = fields.Float(
        string="Proposed Quantity",
        digits="Product Unit",
        readonly=True,
        help="The quantity the run proposed; the buyer may change Quantity.",
    )
    price_unit = fields.Float(string="Unit Cost", digits="Product Price", readonly=True)
    subtotal = fields.Monetary(compute="_compute_amounts", store=True)
    volume = fields.Float(compute="_compute_amounts", store=True, digits="Volume")
    weight = fields.Float(compute="_compute_amounts", store=True, digits="Stock Weight")
    days_to_stockout = fields.Float(
        digits=(16, 1),
        readonly=True,
        help="Days until the projected stock runs out at the planned demand.",
    )
    qty_projected = fields.Float(
        string="Projected Stock", digits="Product Unit", readonly=True
    )
    reorder_point = fields.Float(digits="Product Unit", readonly=True)
    explanation = fields.Char(
        string="Explanation as Built",
        readonly=True,
        help="The line's notes in the language of the user who ran the build; "
        "shown for lines built before Note Values were stored.",
    )
    note_values = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="The line's notes as built, (code, values) pairs, to word them in "
        "each reader's language.",
    )
    explanation_display = fields.Char(
        string="Explanation",
        compute="_compute_notes_display",
        help="The rules applied to the line (packs, minimum, capacity), in your "
        "language.",
    )
    budget_id = fields.Many2one(
        "sop.purchase.budget",
        string="Deferred By",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    budget_note = fields.Char(
        string="Deferral Reason as Written",
        readonly=True,
        help="Why the purchase budget deferred this line, in the language of "
        "the user who ran the budget; shown for lines deferred before Deferral "
        "Values were stored.",
    )
    budget_note_values = fields.Json(
        string="Deferral Values",
        readonly=True,
        groups="base.group_no_one",
        help="The budget's amount and name when it deferred this line, to word "
        "the reason in each reader's language.",
    )
    budget_note_display = fields.Char(
        string="Deferral Reason",
        compute="_compute_notes_display",
        help="Why the purchase budget deferred this line, in your language.",
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line", string="RFQ Line", readonly=True, index="btree_not_null"
    )

    _quantity_positive = models.Constraint(
        "CHECK (quantity >= 0)", "A vendor order quantity cannot be negative."
    )

    @api.depends(
        "explanation",
        "note_values",
        "budget_note",
        "budget_note_values",
        "product_id.uom_id",
        "order_id.currency_id",
    )
    @api.depends_context("lang")
    def _compute_notes_display(self):
        set_worded(
            self,
            "explanation_display",
            "explanation",
            "note_values",
            lambda line, notes: "; ".join(
                line.order_id._note_text(code, params, line.product_id)
                for code, params in notes
            ),
        )
        set_worded(
            self,
            "budget_note_display",
            "budget_note",
            "budget_note_values",
            lambda line, deferral: line.order_id._note_text("deferred", deferral),
        )

    @api.depends("quantity", "price_unit", "product_id.volume", "product_id.weight")
    def _compute_amounts(self):
        for line in self:
            line.subtotal = line.quantity * line.price_unit
            line.volume = line.quantity * line.product_id.volume
            line.weight = line.quantity * line.product_id.weight

    @api.constrains("quantity", "product_id")
    def _check_whole_quantity(self):
        """Products counted in pieces are ordered in whole pieces."""
        for line in self:
            step = line.product_id.uom_id._sop_quantity_step()
            if step >= 1.0 and float_compare(
                line.quantity,
                float_round(line.quantity, precision_rounding=step),
                precision_rounding=line.product_id.uom_id.rounding,
            ):
                raise ValidationError(
                    self.env._(
                        "%(product)s is ordered in whole %(unit)s: %(quantity)s "
                        "is not a whole number.",
                        product=line.product_id.display_name,
                        unit=line.product_id.uom_id.name,
                        quantity=formatLang(self.env, line.quantity, dp="Product Unit"),
                    )
                )

    def _sop_run_name(self):
        return self.env._("the vendor order run")

    def write(self, vals):
        if "quantity" in vals and not self.env.su:
            quantity = vals["quantity"] or 0.0
            if not finite_up_to(quantity, MAX_ADJUSTMENT_QTY):
                raise UserError(
                    self.env._(
                        "A vendor order quantity is a number of units up to "
                        "%(maximum)s, not %(value)s.",
                        maximum=formatLang(self.env, MAX_ADJUSTMENT_QTY, digits=0),
                        value=typed_number(self.env, quantity),
                    )
                )
            if quantity < 0:
                raise UserError(
                    self.env._("A vendor order quantity cannot be negative.")
                )
            ordered = self.filtered(lambda x: x.order_id.state != "draft")
            if ordered:
                raise UserError(
                    self.env._(
                        "Vendor order %s has an RFQ: change the RFQ instead.",
                        ordered[0].order_id.name,
                    )
                )
            left_out = self.filtered(lambda x: x.reason not in ORDERED_REASONS)
            if left_out:
                raise UserError(
                    self.env._(
                        "%(product)s is not on the RFQ (%(reason)s): its quantity "
                        "is not ordered. Raise the purchase budget or the order's "
                        "capacity to order it.",
                        product=left_out[0].product_id.display_name,
                        reason=dict(
                            left_out._fields["reason"]._description_selection(self.env)
                        )[left_out[0].reason],
                    )
                )
            settled = self.filtered(
                lambda x: (
                    (x.proposal_id or x.reason == "due")
                    and x.proposal_id.state not in OPEN_STATES
                )
            )
            if settled:
                raise UserError(
                    self.env._(
                        "%s was ordered since the daily run, or is no longer "
                        "needed: this order's RFQ leaves it out.",
                        settled[0].product_id.display_name,
                    )
                )
        result = super().write(vals)
        if "quantity" in vals and not self.env.su:
            self._check_vendor_terms()
        if "quantity" in vals and "price_unit" not in vals:
            self._reprice()
        return result

    def _check_vendor_terms(self):
        """A buyer's quantity is one the vendor sells: at least its minimum
        (or 0: below it the vendor has no price, and the RFQ line would cost
        nothing), and whole packs where it sells packs (its price line's
        unit, e.g. a pack of 6: the RFQ cannot buy 2/3 of a pack)."""
        for line in self.filtered(
            lambda x: x.quantity > 0 and x.reason in ORDERED_REASONS
        ):
            product = line.product_id.with_company(line.company_id)
            sellers = product._get_filtered_sellers(
                partner_id=line.vendor_id, quantity=None, uom_id=product.uom_id
            )
            if not sellers:
                continue
            if not product._get_filtered_sellers(
                partner_id=line.vendor_id,
                quantity=line.quantity,
                uom_id=product.uom_id,
            ):
                # in whole steps of the product's unit: 2.5 dozens is 3
                minimum = float(
                    ceil_to(
                        min(
                            seller.product_uom_id._compute_quantity(
                                seller.min_qty, product.uom_id
                            )
                            for seller in sellers
                        ),
                        product.uom_id._sop_quantity_step(),
                    )
                )
                raise UserError(
                    self.env._(
                        "%(vendor)s sells %(product)s from %(minimum)s %(unit)s: "
                        "order at least that, or 0 to leave it out.",
                        vendor=line.vendor_id.display_name,
                        product=product.display_name,
                        minimum=formatLang(self.env, minimum, dp="Product Unit"),
                        unit=product.uom_id.name,
                    )
                )
            # the price line the RFQ picks for this quantity, as it buys it
            pack = self.env["sop.vendor.order"]._break_pack(
                product,
                line.vendor_id,
                line.quantity,
                line.company_id,
                fields.Date.context_today(self),
            )
            if not pack:
                continue
            packs = line.quantity / pack
            if float_is_zero(
                packs - round(packs), precision_rounding=product.uom_id.rounding
            ):
                continue
            # suggested in whole packs that are whole pieces (trays of 2.5
            # dozens: 5 dozens), which the whole-number check accepts too
            quantum = float(order_quantum(product.uom_id._sop_quantity_step(), pack))
            steps = line.quantity / quantum
            raise UserError(
                self.env._(
                    "%(vendor)s sells %(product)s in packs of %(pack)s %(unit)s: "
                    "order %(lower)s or %(upper)s %(unit)s instead of %(quantity)s.",
                    vendor=line.vendor_id.display_name,
                    product=product.display_name,
                    pack=formatLang(self.env, pack, dp="Product Unit"),
                    unit=product.uom_id.name,
                    lower=formatLang(
                        self.env, math.floor(steps) * quantum, dp="Product Unit"
                    ),
                    upper=formatLang(
                        self.env, math.ceil(steps) * quantum, dp="Product Unit"
                    ),
                    quantity=formatLang(self.env, line.quantity, dp="Product Unit"),
                )
            )

    def _reprice(self):
        """The vendor's price for the line's quantity (its price breaks)."""
        today = fields.Date.context_today(self)
        Order = self.env["sop.vendor.order"]
        digits = self.env["decimal.precision"].precision_get("Product Price")
        for line in self.filtered(lambda x: x.quantity > 0):
            price = Order._break_price(
                line.product_id,
                line.vendor_id,
                line.quantity,
                line.company_id,
                today,
            )
            if price is not None and float_compare(
                price, line.price_unit, precision_digits=digits
            ):
                line.sudo().write({"price_unit": price})  # the run's field

    def _built_reason(self):
        """The reason the run gave this line before any budget deferral."""
        self.ensure_one()
        if self.reason != "deferred":
            return self.reason
        return "due" if self.proposal_id else "added"
