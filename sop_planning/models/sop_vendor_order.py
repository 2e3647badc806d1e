from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round

from .sop_common import GROUP_PURCHASE, set_worded
from .sop_reorder_proposal import OPEN_STATES

ORDERED_REASONS = ("due", "added")


class SopVendorOrder(models.Model):
    """One proposed purchase order per vendor and warehouse, to its terms.

    Built by the daily S&OP replenishment run (``_build_vendor_orders``)
    from the open reorder proposals: the lines due now, lines brought
    forward to reach the vendor's minimum or free freight, rounded to packs
    and cut to the capacity of one order. *Create RFQ* turns it into one
    draft RFQ through Odoo's purchase flow; a cancelled RFQ reopens it.
    """

    _name = "sop.vendor.order"
    _inherit = ["sop.run.fields.mixin"]
    _description = "S&OP Vendor Order"
    _order = "date_order, vendor_id, id"
    _check_company_auto = True
    # what the run builds: a buyer changes the lines' quantities only
    _sop_run_fields = frozenset(
        {
            "name",
            "company_id",
            "vendor_id",
            "warehouse_id",
            "date_order",
            "purchase_id",
            "state",
            "amount_total",
            "volume_total",
            "weight_total",
            "min_value",
            "free_freight_value",
            "capacity_volume",
            "capacity_weight",
            "below_minimum",
            "over_capacity",
            "line_count",
            "deferred_count",
            "explanation",
            "explanation_values",
        }
    )

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    vendor_id = fields.Many2one(
        "res.partner", required=True, index=True, check_company=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, check_company=True
    )
    date_order = fields.Date(string="Order Date", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    line_ids = fields.One2many("sop.vendor.order.line", "order_id", string="Lines")
    purchase_id = fields.Many2one(
        "purchase.order", string="RFQ", readonly=True, copy=False, check_company=True
    )
    state = fields.Selection(
        [("draft", "Proposed"), ("rfq", "RFQ Created"), ("purchase", "Ordered")],
        compute="_compute_state",
        store=True,
        index=True,
        help="Proposed until an RFQ is created; proposed again if the RFQ is "
        "cancelled.",
    )
    amount_total = fields.Monetary(
        string="Order Value", compute="_compute_totals", store=True
    )
    volume_total = fields.Float(
        string="Volume", compute="_compute_totals", store=True, digits="Volume"
    )
    weight_total = fields.Float(
        string="Weight", compute="_compute_totals", store=True, digits="Stock Weight"
    )
    min_value = fields.Monetary(
        string="Minimum Order Value",
        readonly=True,
        aggregator=False,
        help="The vendor's minimum, in the company's currency, when built.",
    )
    free_freight_value = fields.Monetary(
        string="Free Freight From", readonly=True, aggregator=False
    )
    capacity_volume = fields.Float(
        string="Capacity (volume)", readonly=True, aggregator=False
    )
    capacity_weight = fields.Float(
        string="Capacity (weight)", readonly=True, aggregator=False
    )
    below_minimum = fields.Boolean(compute="_compute_totals", store=True)
    over_capacity = fields.Boolean(compute="_compute_totals", store=True)
    line_count = fields.Integer(
        string="Ordered Lines", compute="_compute_totals", store=True
    )
    deferred_count = fields.Integer(
        string="Deferred Lines", compute="_compute_totals", store=True
    )
    explanation = fields.Text(
        string="Explanation as Built",
        readonly=True,
        help="The explanation in the language of the user who ran the build; "
        "shown for orders built before Explanation Values were stored.",
    )
    explanation_values = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="The order's own notes as built, (code, values) pairs, to word "
        "them in each reader's language.",
    )
    explanation_display = fields.Text(
        string="Explanation",
        compute="_compute_explanation_display",
        help="The rules applied when the order was built, one per line, in "
        "your language; kept when the buyer changes quantities.",
    )

    @api.depends("vendor_id.name", "date_order")
    def _compute_name(self):
        for order in self:
            order.name = f"{order.vendor_id.name or ''} {order.date_order or ''}"

    @api.depends(
        "explanation",
        "explanation_values",
        "line_ids.explanation_display",
        "line_ids.budget_note_display",
    )
    @api.depends_context("lang")
    def _compute_explanation_display(self):
        set_worded(
            self,
            "explanation_display",
            "explanation",
            "explanation_values",
            lambda order, notes: order._explain(notes),
        )

    @api.depends("purchase_id.state")
    def _compute_state(self):
        for order in self:
            po_state = order.purchase_id.state
            if not po_state or po_state == "cancel":
                order.state = "draft"
            elif po_state in ("purchase", "done"):
                order.state = "purchase"
            else:
                order.state = "rfq"

    @api.depends(
        "state",
        "line_ids.quantity",
        "line_ids.reason",
        "line_ids.subtotal",
        "purchase_id.amount_untaxed",
        "min_value",
        "capacity_volume",
        "capacity_weight",
    )
    def _compute_totals(self):
        for order in self:
            if order.state == "draft":
                lines = order.line_ids.filtered(lambda x: x.reason in ORDERED_REASONS)
                order.amount_total = sum(lines.mapped("subtotal"))
            else:  # what its RFQ buys, as the buyer left it (lines added too)
                lines = order.line_ids.filtered("purchase_line_id")
                purchase = order.purchase_id.sudo()
                order.amount_total = purchase.currency_id._convert(
                    purchase.amount_untaxed,
                    order.currency_id,
                    order.company_id,
                    purchase.date_order.date(),
                )
            order.volume_total = sum(lines.mapped("volume"))
            order.weight_total = sum(lines.mapped("weight"))
            order.line_count = len(lines)
            order.deferred_count = len(
                order.line_ids.filtered(lambda x: x.reason == "deferred")
            )
            order.below_minimum = order.currency_id.compare_amounts(
                order.amount_total, order.min_value
            ) < 0 and bool(lines)
            order.over_capacity = bool(
                (order.capacity_volume and order.volume_total > order.capacity_volume)
                or (
                    order.capacity_weight and order.weight_total > order.capacity_weight
                )
            )

    def _sop_run_name(self):
        return self.env._("the vendor order run")

    def _check_purchase_user(self):
        if not (self.env.su or self.env.user.has_group(GROUP_PURCHASE)):
            raise AccessError(
                self.env._("Only purchase users can create RFQs from vendor orders.")
            )

    def action_create_rfq(self):
        """One draft RFQ per vendor order (never confirmed); link the proposals."""
        self._check_purchase_user()
        self.check_access("write")
        done = self.filtered(lambda o: o.state != "draft")
        if done:
            raise UserError(
                self.env._("Vendor order %s already has an RFQ.", done[0].display_name)
            )
        if not self:
            raise UserError(self.env._("Select the vendor orders to order."))
        archived = self.filtered(lambda o: not o.vendor_id.sudo().active)[:1]
        if archived:
            raise UserError(
                self.env._(
                    "Vendor order %(order)s: vendor %(vendor)s is archived, so "
                    "Odoo knows none of its prices. Restore the vendor, or let "
                    "the next daily run order these products from another one.",
                    order=archived.name,
                    vendor=archived.vendor_id.sudo().name,
                )
            )
        empty = self.filtered(lambda o: not o._lines_to_order())
        # several selected: an order with nothing to order (deferred whole by
        # the budget, or cut to zero) stays as it is, the others are ordered
        if empty == self:
            raise UserError(
                self.env._(
                    "Vendor order %s has nothing to order: its lines were "
                    "ordered since the daily run, are no longer needed, "
                    "deferred, cut or set to 0.",
                    empty[0].name,
                )
            )
        ordered = self - empty
        # each against the month's RFQs, those just made among them
        for order in ordered:
            order._check_budget_room()  # sop_vendor_order_budget.py
            order._create_rfq()
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "purchase.order",
                "res_id": self.purchase_id.id,
                "view_mode": "form",
            }
        message = self.env._("%s RFQ(s) created.", len(ordered))
        if empty:
            message += " " + self.env._(
                "Nothing to order on %s: left as proposed.",
                ", ".join(empty.mapped("name")),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if empty else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _lines_to_order(self):
        """The lines the RFQ orders: due or added, not cut to zero, and not
        of a proposal ordered since the run (by hand, or from another
        vendor order) or no longer needed (a due line whose proposal is
        gone): it would be bought twice; nor of a product or rule archived
        since."""
        self.ensure_one()
        return self.line_ids.filtered(
            lambda x: (
                x.reason in ORDERED_REASONS
                and x.quantity > 0
                and x.product_id.active
                and (not x.orderpoint_id or x.orderpoint_id.active)
                and (
                    x.proposal_id.state in OPEN_STATES
                    if x.proposal_id or x.reason == "due"
                    else True
                )
            )
        )

    def _create_rfq(self):
        self.ensure_one()
        lines = self._lines_to_order()
        purchase = (
            self.env["purchase.order"]
            .with_company(self.company_id)
            .create(
                {
                    "partner_id": self.vendor_id.id,
                    "company_id": self.company_id.id,
                    "picking_type_id": self.warehouse_id.in_type_id.id,
                    "origin": self.env._("S&OP vendor order %s", self.name),
                }
            )
        )
        # the lines as Odoo's procurement prepares them (vendor price, taxes,
        # dates), in the vendor's unit (packs): no onchange per line
        PurchaseLine = self.env["purchase.order.line"].with_company(self.company_id)
        purchase_lines = PurchaseLine.create(
            [
                {
                    **PurchaseLine._prepare_purchase_order_line(
                        line.product_id,
                        *self._in_vendor_unit(line, purchase),
                        self.company_id,
                        self.vendor_id,
                        purchase,
                    ),
                    "orderpoint_id": line.orderpoint_id.id,
                }
                for line in lines
            ]
        )
        # the buyer's access was checked (action_create_rfq): the links are
        # the run's fields
        for line, purchase_line in zip(lines, purchase_lines, strict=True):
            line.sudo().purchase_line_id = purchase_line
        # a line left off this RFQ buys nothing (not the line of a cancelled one)
        (self.line_ids - lines).sudo().purchase_line_id = False
        self.sudo().purchase_id = purchase
        proposals = lines.proposal_id.sudo()
        proposals._link_rfq_lines(
            {
                line.proposal_id.id: line.purchase_line_id.id
                for line in lines
                if line.proposal_id
            },
            {
                line.proposal_id.id: line.purchase_line_id.product_uom_qty
                for line in lines
                if line.proposal_id
            },
        )
        proposals.invalidate_recordset(["purchase_line_id", "state", "quantity"])
        proposals._close_finished_todos(proposals.todo_id)

    def _in_vendor_unit(self, line, purchase):
        """(quantity, unit) of ``line`` in the unit of the vendor's price line
        Odoo's RFQ picks for it, in whole steps of that unit (packs of 6: 294
        Units are 49 packs at the pack's price; a quantity between two packs
        is rounded up to whole packs, as the vendor sells them)."""
        product = line.product_id
        seller = product.with_company(self.company_id)._select_seller(
            partner_id=self.vendor_id,
            quantity=line.quantity,
            date=max(purchase.date_order.date(), fields.Date.today()),
            uom_id=product.uom_id,
        )
        unit = seller.product_uom_id or product.uom_id
        quantity = product.uom_id._compute_quantity(line.quantity, unit, round=False)
        return float_round(
            quantity, precision_rounding=unit._sop_quantity_step(), rounding_method="UP"
        ), unit

    def action_view_rfq(self):
        """Open the order's RFQ; an order without one says so (over RPC the
        button is not hidden: a blank purchase order would open)."""
        self.ensure_one()
        if not self.purchase_id:
            raise UserError(
                self.env._(
                    "The S&OP vendor order for %s has no RFQ yet: create it first.",
                    self.vendor_id.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "purchase.order",
            "res_id": self.purchase_id.id,
            "view_mode": "form",
        }
