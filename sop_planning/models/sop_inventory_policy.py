from odoo import api, fields, models
from odoo.tools import SQL

from .sop_bulk import bulk_update
from .sop_forecast import ABC, PATTERNS, XYZ

STATES = [
    ("applied", "Applied"),
    ("manual", "Kept Manual"),
    ("skipped", "Skipped"),
]
BACKTEST_STATES = [
    ("ok", "Replayed"),
    ("no_history", "Not Enough History"),
    ("no_demand", "No Sales to Replay"),
]


class SopInventoryPolicy(models.Model):
    """Inventory policy of one product in one warehouse from an approved plan.

    Safety stock, reorder point, order-up-to level and lot size computed by
    the policy engine from the plan's consensus demand, its forecast error and
    the vendor's lead time and measured reliability; written as minimum and
    maximum on the product's reordering rule. ``explanation`` shows every
    formula with its numbers.
    """

    _name = "sop.inventory.policy"
    _description = "S&OP Inventory Policy"
    _order = "cycle_id, abc, product_id, warehouse_id"
    _check_company_auto = True
    _rec_name = "product_id"

    cycle_id = fields.Many2one(
        "sop.cycle", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    forecast_id = fields.Many2one(
        "sop.forecast", ondelete="set null", check_company=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, check_company=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    abc = fields.Selection(ABC, string="ABC", readonly=True)
    xyz = fields.Selection(XYZ, string="XYZ", readonly=True)
    pattern = fields.Selection(PATTERNS, readonly=True)
    state = fields.Selection(STATES, required=True, default="applied", readonly=True)
    skip_reason = fields.Char(readonly=True)
    method = fields.Char(readonly=True)
    service_level = fields.Float(string="Service Level (%)", readonly=True)
    lead_time_days = fields.Float(string="Lead Time (days)", readonly=True)
    lead_time_std_days = fields.Float(string="Lead Time Std Dev (days)", readonly=True)
    demand_per_day = fields.Float(digits="Product Unit", readonly=True)
    lead_time_demand = fields.Float(digits="Product Unit", readonly=True)
    safety_stock = fields.Float(digits="Product Unit", readonly=True)
    reorder_point = fields.Float(digits="Product Unit", readonly=True)
    order_up_to = fields.Float(
        string="Order-up-to Level", digits="Product Unit", readonly=True
    )
    order_qty = fields.Float(
        string="Order Quantity", digits="Product Unit", readonly=True
    )
    qty_multiple = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Order quantities are multiples of this: whole pieces for a "
        "product counted in units, the vendor's pack where it sells packs.",
    )
    purchase_uom_id = fields.Many2one(
        "uom.uom",
        string="Vendor Packaging",
        readonly=True,
        help="The vendor's purchase unit when it packs several of the "
        "product's units; written to the reordering rule as its multiple.",
    )
    coverage_days = fields.Float(readonly=True)
    explanation = fields.Text(readonly=True)
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        string="Reordering Rule",
        readonly=True,
        index=True,
    )
    # The promise and the replay on the item's own past (planned_policy)
    currency_id = fields.Many2one(related="company_id.currency_id")
    expected_fill_rate = fields.Float(
        string="Promised Fill (%)",
        readonly=True,
        help="Share of demand served from stock that this policy promises, "
        "read off the same simulation its reorder point is set on.",
    )
    backtest_state = fields.Selection(BACKTEST_STATES, string="Backtest", readonly=True)
    backtest_fill_rate = fields.Float(
        string="Backtest Fill (%)",
        readonly=True,
        help="Share of the last 12 months' real demand this policy would "
        "have served from stock, planned from the months before them only.",
    )
    backtest_avg_stock = fields.Float(
        string="Backtest Average Stock", digits="Product Unit", readonly=True
    )
    backtest_avg_stock_value = fields.Monetary(
        string="Backtest Average Stock Value", readonly=True
    )
    backtest_summary = fields.Char(compute="_compute_backtest_summary")

    _product_warehouse_unique = models.UniqueIndex(
        "(cycle_id, product_id, warehouse_id)",
        "A plan has one inventory policy per product and warehouse.",
    )

    @api.model
    def _orderpoint_key(self, product, location):
        return product.id, location.id

    def _write_orderpoints(self):
        """Write min and max of applicable policies to reordering rules.

        Creates the missing rules; a rule a user marked as manual is kept as
        it is and the policy says so. Runs as superuser after the caller's
        own access check: approving a plan sets the company's rules.
        """
        policies = self.filtered(lambda p: p.state != "skipped").sudo()
        if not policies:
            return
        orderpoint_model = self.env["stock.warehouse.orderpoint"].sudo()
        locations = policies.warehouse_id.lot_stock_id
        existing = orderpoint_model.search(
            [
                ("product_id", "in", policies.product_id.ids),
                ("location_id", "in", locations.ids),
            ]
        )
        by_key = {
            self._orderpoint_key(op.product_id, op.location_id): op for op in existing
        }
        to_create, created_for, to_update = [], [], {}
        states, orderpoint_ids = {}, {}
        for policy in policies:
            key = self._orderpoint_key(
                policy.product_id, policy.warehouse_id.lot_stock_id
            )
            orderpoint = by_key.get(key)
            if orderpoint and orderpoint.sop_manual:
                states[policy.id], orderpoint_ids[policy.id] = "manual", orderpoint.id
            elif orderpoint:
                to_update[orderpoint.id] = policy._orderpoint_values()
                states[policy.id], orderpoint_ids[policy.id] = "applied", orderpoint.id
            else:
                to_create.append(
                    dict(
                        policy._orderpoint_values(),
                        product_id=policy.product_id.id,
                        warehouse_id=policy.warehouse_id.id,
                        location_id=policy.warehouse_id.lot_stock_id.id,
                        company_id=policy.company_id.id,
                    )
                )
                created_for.append(policy.id)
        self._update_orderpoints(to_update)
        names = self._orderpoint_names(len(to_create))
        for vals, name in zip(to_create, names, strict=True):
            if name:
                vals["name"] = name
        created = orderpoint_model.create(to_create)
        for policy_id, orderpoint_id in zip(created_for, created.ids, strict=True):
            states[policy_id], orderpoint_ids[policy_id] = "applied", orderpoint_id
        ids = list(states)
        bulk_update(
            self,
            ids,
            {
                "state": [states[i] for i in ids],
                "orderpoint_id": [orderpoint_ids[i] for i in ids],
            },
        )

    @api.model
    def _update_orderpoints(self, values_by_id):
        """Write {orderpoint id: values} in one SQL statement per batch.

        One ORM write per rule costs about a millisecond each on the nightly
        refresh of every rule. The ORM then recomputes what depends on the
        written fields (quantity to order, deadline) once for all rules.
        """
        if not values_by_id:
            return
        orderpoints = self.env["stock.warehouse.orderpoint"].sudo()
        names = list(next(iter(values_by_id.values())))
        orderpoints.flush_model(names)
        ids = list(values_by_id)
        bulk_update(
            orderpoints,
            ids,
            {name: [values_by_id[i][name] for i in ids] for name in names},
        )
        orderpoints.browse(ids).modified(names)

    @api.model
    def _orderpoint_names(self, count):
        """Names of ``count`` new rules from Odoo's sequence, in one query.

        Odoo's default draws one number per rule (two queries each); None
        where the sequence is not a plain PostgreSQL one: the default applies.
        """
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", "stock.orderpoint"),
                    ("company_id", "in", [self.env.company.id, False]),
                ],
                order="company_id",
                limit=1,
            )
        )
        if (
            not count
            or not sequence
            or sequence.use_date_range
            or sequence.implementation != "standard"
        ):
            return [None] * count
        numbers = self.env.execute_query(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        prefix, suffix = sequence._get_prefix_suffix()  # once, not per number
        return [
            f"{prefix}{number:0{sequence.padding}d}{suffix}" for (number,) in numbers
        ]

    def _orderpoint_values(self):
        self.ensure_one()
        return {
            "product_min_qty": self.reorder_point,
            "product_max_qty": max(self.order_up_to, self.reorder_point),
            "replenishment_uom_id": self.purchase_uom_id.id,
            "trigger": self.company_id.sop_orderpoint_trigger or "manual",
            "sop_policy_id": self.id,
            "sop_managed": True,
        }

    @api.depends(
        "backtest_state",
        "backtest_fill_rate",
        "backtest_avg_stock",
        "backtest_avg_stock_value",
        "service_level",
    )
    def _compute_backtest_summary(self):
        for policy in self:
            if policy.state == "skipped":
                policy.backtest_summary = False
            elif policy.backtest_state == "ok":
                policy.backtest_summary = self.env._(
                    "Over the last 12 months this policy would have given "
                    "%(fill).1f %% fill (target %(target).1f %%) with %(stock)s "
                    "%(uom)s average stock (%(value)s).",
                    fill=policy.backtest_fill_rate,
                    target=policy.service_level,
                    stock=f"{policy.backtest_avg_stock:.1f}",
                    uom=policy.uom_id.name or "",
                    value=f"{policy.backtest_avg_stock_value:,.2f} "
                    f"{policy.currency_id.symbol or ''}".strip(),
                )
            elif policy.backtest_state == "no_demand":
                policy.backtest_summary = self.env._(
                    "No sales in the last 12 months: nothing to replay."
                )
            else:
                policy.backtest_summary = self.env._(
                    "Not enough sales history to replay this policy on its "
                    "own past (a year before the last 12 months is needed)."
                )
