import logging
from collections import defaultdict
from itertools import compress

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, format_amount, formatLang

from .sop_bulk import bulk_create, bulk_update
from .sop_common import SAFETY_STOCK_HELP
from .sop_forecast import ABC, PATTERNS, SUPPLY_ROUTES, XYZ
from .sop_inventory_policy_change import DRIVERS, MATERIAL_SHARE, MATERIAL_UNITS
from .sop_reorder_proposal import OPEN_STATES

_logger = logging.getLogger(__name__)

STATES = [
    ("applied", "Applied"),
    ("manual", "Kept Manual"),
    ("skipped", "Skipped"),
]
# Columns a refresh rewrites even when no new value names them (a policy
# that is now skipped loses its old figures, as a new one has none).
SYNC_RESET = (
    "state",
    "skip_reason",
    "skip_words",
    "method",
    "lead_time_demand",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "order_qty",
    "explanation",
    "explanation_head",
    "service_type",
    "expected_fill_rate",
    "backtest_state",
    "backtest_fill_rate",
    "backtest_avg_stock",
    "backtest_avg_stock_value",
)


class SkipReason(str):
    """A skip reason worded in the runner's language that keeps its
    (code, values) ``words``, to be worded again in each reader's."""

    def __new__(cls, text, words):
        reason = super().__new__(cls, text)
        reason.words = words
        return reason


SERVICE_TYPES = [
    ("cycle", "Cycle Service Level"),
    ("fill_rate", "Fill Rate"),
]
# labels of the engine's ``METHODS`` (how the reorder point was set)
METHODS = [
    ("bootstrap", "Own History, Resampled"),
    ("normal", "Normal Law"),
    ("fill_rate_loss", "Normal Law, Fill Rate"),
    ("poisson", "Poisson Law"),
    ("negbin", "Negative Binomial Law"),
    ("zero_demand", "No Demand"),
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

    One policy per product and warehouse: each approval and nightly refresh
    updates it in place (its ``cycle_id`` is the plan that last set it), so
    rules and reorder proposals keep their link; ``change_ids`` keeps its
    material changes. A product that leaves the plan archives its policy.
    """

    _name = "sop.inventory.policy"
    _inherit = ["sop.explained.mixin", "sop.skip.reason.mixin"]
    _description = "S&OP Inventory Policy"
    _order = "cycle_id, abc, product_id, warehouse_id"
    _check_company_auto = True
    _rec_name = "product_id"

    active = fields.Boolean(default=True)
    cycle_id = fields.Many2one(
        "sop.cycle",
        string="Plan",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        help="The approved plan that last set this policy.",
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
    state = fields.Selection(
        STATES,
        required=True,
        default="applied",
        readonly=True,
        help="Applied: min and max written to the reordering rule. Kept Manual: "
        "the rule is marked manual or archived; S&OP leaves it as it is. "
        "Skipped: no policy could be planned (see Skip Reason).",
    )
    method = fields.Selection(
        METHODS,
        readonly=True,
        help="How the reorder point was set: on the item's own sales history "
        "resampled, or for items with less history on the forecast's error "
        "(normal, Poisson or negative binomial law).",
    )
    service_level = fields.Float(string="Service Level (%)", readonly=True)
    service_type = fields.Selection(
        SERVICE_TYPES,
        string="Target Type",
        readonly=True,
        help="Cycle service level: the service level is the share of order "
        "cycles without a stockout. Fill rate: it is the share of demand "
        "served from stock. Slow, lumpy and erratic items take theirs as a "
        "fill rate (a cycle quantile of their demand would serve slow items "
        "far less than the target, erratic ones far more at a much higher "
        "stock).",
    )
    supply_route = fields.Selection(SUPPLY_ROUTES, readonly=True)
    source_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Resupplied From", readonly=True
    )
    supply_source = fields.Char(
        string="Source as Written",
        readonly=True,
        help="The source in the language of the user who ran the supply review.",
    )
    supply_source_values = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="The source as planned (route, vendor, source warehouse, days), "
        "to word it in each reader's language.",
    )
    supply_source_display = fields.Char(
        string="Source",
        compute="_compute_supply_source_display",
        help="Where the product comes from and in how many days, as Odoo's "
        "route said when the policy was planned, in your language.",
    )
    lead_time_days = fields.Float(string="Lead Time (days)", readonly=True)
    lead_time_std_days = fields.Float(string="Lead Time Std Dev (days)", readonly=True)
    demand_per_day = fields.Float(digits="Product Unit", readonly=True)
    lead_time_demand = fields.Float(digits="Product Unit", readonly=True)
    safety_stock = fields.Float(
        digits="Product Unit",
        readonly=True,
        help=SAFETY_STOCK_HELP,
    )
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
    coverage_days = fields.Float(
        digits=(16, 0),
        readonly=True,
        help="The stock the policy holds on average, its safety stock plus "
        "half an order, in days of demand: sort by it to find the rules "
        "that hold most.",
    )
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        string="Reordering Rule",
        readonly=True,
        index=True,
    )
    change_ids = fields.One2many(
        "sop.inventory.policy.change", "policy_id", string="History", readonly=True
    )
    # The promise and the replay on the item's own past (planned_policy)
    currency_id = fields.Many2one(related="company_id.currency_id")
    expected_fill_rate = fields.Float(
        string="Promised Fill (%)",
        readonly=True,
        help="Share of demand served from stock that this policy promises, "
        "read off the same simulation its reorder point is set on. Under a "
        "cycle service level it can be lower than the level: an item whose "
        "rare sales are large loses many units in the one cycle a large "
        "order outruns the stock. Items of one demand pattern with a fill "
        "rate target share it at the least stock value: an item whose stock "
        "costs much per unit served promises less, a cheap one more.",
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
    explanation_head = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="The explanation's first sentences as planned (where the supply "
        "comes from, who pulls from here, a plan sized on the recent demand): "
        "(code, values) pairs and their length in the stored text, to word "
        "them in each reader's language.",
    )

    _product_warehouse_unique = models.UniqueIndex(
        "(product_id, warehouse_id) WHERE active",
        "A product has one inventory policy per warehouse.",
    )

    @api.depends(
        "supply_source", "supply_source_values", "forecast_id.supply_source_display"
    )
    @api.depends_context("lang")
    def _compute_supply_source_display(self):
        """The source in the reader's words: from the values it was planned
        with (a nightly refresh words its vendor's new terms in the cron's
        language), else the forecast's while it is the one the policy was
        planned with; else the policy's own text."""
        for policy in self:
            values = policy.sudo().supply_source_values
            forecast = policy.sudo().forecast_id
            if policy.supply_source and values:
                worded = self._source_label(values)
            elif (
                policy.supply_source and forecast.supply_source == policy.supply_source
            ):
                worded = forecast.supply_source_display
            else:
                worded = None
            policy.supply_source_display = worded or policy.supply_source

    @api.model
    def _skip_text(self, words):
        """A skip reason in ``self.env``'s language from its (code, values)
        ``words`` (``SkipReason``)."""
        env, values = self.env, words.get("values") or {}
        supply_note = env["sop.cycle"]._supply_note
        texts = {
            "archived": lambda: env._(
                "Product archived: no reordering rule is planned for it."
            ),
            "no_forecast": lambda: env._("No statistical forecast."),
            "forecast": lambda: env["sop.forecast"]._skip_text(values["words"]),
            "no_route": lambda: supply_note(values["vendor_id"], 0, route="none"),
            "route_lead_time": lambda: env._(
                "Lead time of %s days on the route is not plausible: check "
                "the route's rules.",
                values["days"],
            ),
            "no_vendor_lead_time": lambda: env._(
                "No vendor lead time: set a vendor on the product."
            ),
            "vendor_lead_time": lambda: supply_note(
                values["vendor_id"], values["days"]
            ),
        }
        return texts[words["code"]]()

    @api.model
    def _skip_reason(self, code, **values):
        """A ``SkipReason`` of ``code`` worded in ``self.env``'s language."""
        return SkipReason(*self._skip_words(code, **values))

    @api.depends("explanation", "explanation_head", "supply_source_display")
    @api.depends_context("lang")
    def _compute_explanation_display(self):
        """The add-on's first sentences worded in the reader's language, then
        the engine's trace with its words translated (``_worded_explanation``)."""
        translate = self._explanation_translator()
        for policy in self:
            policy.explanation_display = policy._worded_explanation(
                policy.explanation, policy.sudo().explanation_head, translate
            )

    @api.model
    def _source_label(self, values):
        """The source of ``supply_source_values`` in ``self.env``'s language
        ("Vendor, 7 days"), or None."""
        return self.env["sop.forecast"]._supply_source_label(
            values["route"],
            self.env["stock.warehouse"].browse(values["warehouse_id"]),
            self.env["res.partner"].browse(values["vendor_id"]),
            values["days"],
        )

    def _worded_explanation(self, text, head, translate, source_values=None):
        """``text``, this policy's explanation as stored (or as a proposal
        quotes it), in the reader's language: its first sentences worded from
        their stored ``head`` (the source as the policy shows it, or as
        ``source_values`` say when the proposal quoted it), the rest
        through ``translate``; without a head (planned before it was
        stored) all of it through ``translate``."""
        if not head:
            return translate(text)
        source = (
            source_values and self._source_label(source_values)
        ) or self.supply_source_display
        return self._head_text(head["parts"], source) + translate(
            (text or "")[head["length"] :]
        )

    @api.model
    def _head_text(self, parts, source):
        """The explanation's first sentences in ``self.env``'s language from
        their (code, values) ``parts``; ``source``: the supply source label."""
        env = self.env
        words = {
            "pulled": lambda v: env._(
                "Demand = own consensus + what %s pulls from here (its consensus, "
                "a transfer's lead time earlier; errors added as independent). ",
                v["warehouses"],
            ),
            "resupplied": lambda v: env._(
                "Resupplied %(warehouse)s (Odoo's route); lot = %(days)s days of "
                "demand (transfer setting). ",
                warehouse=source,
                days=v["days"],
            ),
            "source": lambda v: env._("Source: %s. ", source),
            # a rate stored as text ("161.50") before it was a number
            "raised": lambda v: env._(
                "Plan below the recent demand of %(rate)s a month: sized on that. ",
                rate=formatLang(env, float(v["rate"]), digits=2),
            ),
        }
        return "".join(words[code](values) for code, values in parts)

    @api.model
    def _sync_policies(self, cycle, vals_list, product_ids=None):
        """Set the company's policies to ``vals_list``, in place; return their ids.

        One policy per product and warehouse: the existing one (archived
        included) takes the new values and follows ``cycle``, so its id and
        every link to it stay; a missing one is created; the company's other
        active policies left the plan and are archived, except those of
        plans ``cycle`` does not replace (``sop.cycle._replaced_plans``); a
        policy another plan approved later holds stays that plan's
        (``sop.cycle._approved_after``). Material changes go to each policy's
        history. Values come from the cycle and its own
        forecasts, so they are written in one statement per batch. With
        ``product_ids`` (a chunk of an approval), only the policies of those
        products are read, and archived if they left the plan.
        """
        policy_model = self.sudo().with_context(active_test=False)
        policy_model.flush_model()
        domain = [("company_id", "=", cycle.company_id.id)]
        if product_ids is not None:
            domain.append(("product_id", "in", list(product_ids)))
        existing = policy_model.search_fetch(
            domain,
            ["product_id", "warehouse_id", "cycle_id", "active", "state"]
            + ["reorder_point", "order_up_to", *DRIVERS],
            order="id",
        )
        by_key, older = {}, []  # older: from when each plan had its own policies
        for policy in existing:
            key = (policy.product_id.id, policy.warehouse_id.id)
            if key in by_key:
                older.append(by_key[key])
            by_key[key] = policy
        rows = [
            dict(vals, state=vals.get("state", "applied"), active=True)
            for vals in vals_list
        ]
        matched = [by_key.pop((v["product_id"], v["warehouse_id"]), None) for v in rows]
        later = cycle._approved_after(
            policy_model.browse([p.id for p in matched if p and p.active]).cycle_id
        )
        kept = [
            not (policy and policy.active and policy.cycle_id in later)
            for policy in matched
        ]
        rows = list(compress(rows, kept))
        matched = list(compress(matched, kept))
        left = policy_model.union(*by_key.values(), *older).filtered("active")
        replaced = cycle._replaced_plans(left.cycle_id)
        left = left.filtered(lambda p: not p.cycle_id or p.cycle_id in replaced)
        columns = sorted(set(SYNC_RESET).union(*rows))
        updated = {p.id: vals for p, vals in zip(matched, rows, strict=True) if p}
        change_model = self.env["sop.inventory.policy.change"].sudo()
        changes = change_model._prepare_changes(cycle, matched, rows)
        changes += change_model._prepare_left_plan(cycle, left)
        left.write({"active": False})  # first: one active policy per key
        policy_model.flush_model(["active"])
        ids = list(updated)
        bulk_update(
            policy_model,
            ids,
            {name: [updated[i].get(name) for i in ids] for name in columns},
        )
        new_rows = [
            vals for policy, vals in zip(matched, rows, strict=True) if not policy
        ]
        new_ids = iter(bulk_create(policy_model, new_rows))
        result = [policy.id if policy else next(new_ids) for policy in matched]
        for change in changes:
            change["policy_id"] = change["policy_id"] or result[change.pop("row")]
        change_model._log(changes)
        return result

    @api.model
    def _archive_left_plan(self, cycle, keys):
        """Archive the company's active policies whose (product, warehouse)
        is not in ``keys`` (the new plan's), with their history; as
        ``_sync_policies`` does, once for all the chunks of an approval.
        The policies of the company's other plans stay (``_replaced_plans``)."""
        policy_model = self.sudo()
        policy_model.flush_model(
            ["company_id", "product_id", "warehouse_id", "active", "cycle_id"]
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT id, product_id, warehouse_id, cycle_id "
                "FROM sop_inventory_policy WHERE company_id = %s AND active",
                cycle.company_id.id,
            )
        )
        owners = self.env["sop.cycle"].browse({row[3] for row in rows if row[3]})
        replaced = set(cycle._replaced_plans(owners).ids)
        left = policy_model.browse(
            [
                policy_id
                for policy_id, product_id, warehouse_id, owner in rows
                if (product_id, warehouse_id) not in keys
                and (not owner or owner in replaced)
            ]
        )
        return left._archive_with_history(cycle)

    @api.model
    def _archive_closed_plan(self, cycle):
        """Archive the active policies of ``cycle``, a plan closed by hand,
        with their history: no refresh moves them any more. Their rules are
        kept with their last minimum and maximum, as when a product leaves
        the plan. Returns the archived policies."""
        policies = self.sudo().search([("cycle_id", "=", cycle.id)])
        return policies._archive_with_history(cycle, code="closed")

    def _archive_with_history(self, cycle, code="left"):
        """Archive these policies, each with a history row of ``cycle``
        (``code``: "left" its plan, or archived with it, "closed"). Returns
        them."""
        if not self:
            return self
        change_model = self.env["sop.inventory.policy.change"].sudo()
        changes = change_model._prepare_left_plan(cycle, self, code=code)
        self.write({"active": False})
        change_model._log(changes)
        return self

    @api.model
    def _refresh_plan(self, cycle):
        """Nightly: recompute ``cycle``'s policies in place and update their rules.

        Posts one summary on the cycle when policies moved materially (each
        move is in the policy's history); otherwise the log says so and the
        chatter stays quiet. Returns the policies that moved.
        """
        change_model = self.env["sop.inventory.policy.change"].sudo()
        last = change_model.search([], order="id desc", limit=1).id or 0
        policies = cycle.with_context(sop_vendor_terms_now=True)._compute_policies(
            scenario=cycle.approved_scenario_id
        )
        policies._write_orderpoints()
        moved = change_model.search(
            [("id", ">", last), ("cycle_id", "=", cycle.id), ("kind", "=", "refresh")]
        ).policy_id
        _logger.info(
            "S&OP plan %s refreshed: %s policies, %s moved materially",
            cycle.name,
            len(policies),
            len(moved),
        )
        if moved:
            lang = cycle._notes_lang()
            cycle.message_post(body=moved.with_context(lang=lang)._moved_summary())
        return moved

    def _moved_summary(self):
        """Chatter summary of these policies' material moves, with links."""
        shown = Markup(", ").join(
            policy._get_html_link(
                title=f"{policy.product_id.display_name} ({policy.warehouse_id.name})"
            )
            for policy in self[:10]
        )
        if len(self) > 10:
            shown += Markup(" ") + self.env._("and %s more", len(self) - 10)
        return self.env._(
            "Nightly refresh of the inventory policies: %(count)s moved by more "
            "than %(share)s %% (at least %(units)s unit): %(policies)s. Each "
            "policy's history says what moved and why.",
            count=len(self),
            share=round(MATERIAL_SHARE * 100),
            units=f"{MATERIAL_UNITS:g}",
            policies=shown,
        )

    @api.model
    def _orderpoint_key(self, product, location):
        return product.id, location.id

    def _write_orderpoints(self):
        """Write min and max of applicable policies to reordering rules.

        Creates the missing rules; a rule a user marked as manual or
        archived is kept as it is and the policy says so. Runs as superuser
        after the caller's own access check: approving a plan sets the
        company's rules.
        """
        policies = self.filtered(lambda p: p.state != "skipped").sudo()
        if not policies:
            return
        orderpoint_model = self.env["stock.warehouse.orderpoint"].sudo()
        locations = policies.warehouse_id.lot_stock_id
        # an archived rule still holds its product and location (unique)
        existing = orderpoint_model.with_context(active_test=False).search(
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
            if orderpoint and (orderpoint.sop_manual or not orderpoint.active):
                states[policy.id], orderpoint_ids[policy.id] = "manual", orderpoint.id
            elif orderpoint:
                to_update[orderpoint] = policy._orderpoint_values()
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
        self._write_changed_orderpoints(to_update)
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
        self._follow_plan_open_proposals(policies)

    @api.model
    def _follow_plan_open_proposals(self, policies):
        """The open proposals of ``policies`` name the plan that now sets
        their rule (ordered ones keep the plan they were made under)."""
        self.flush_model(["cycle_id"])
        self.env["sop.reorder.proposal"].flush_model(["cycle_id", "policy_id", "state"])
        self.env.cr.execute(
            SQL(
                """UPDATE sop_reorder_proposal proposal
                      SET cycle_id = policy.cycle_id,
                          write_date = now() at time zone 'UTC'
                     FROM sop_inventory_policy policy
                    WHERE proposal.policy_id = policy.id
                      AND policy.id = ANY(%s)
                      AND proposal.state IN %s
                      AND proposal.cycle_id IS DISTINCT FROM policy.cycle_id""",
                policies.ids,
                OPEN_STATES,
            )
        )
        self.env["sop.reorder.proposal"].invalidate_model()

    @api.model
    def _write_changed_orderpoints(self, values_by_orderpoint):
        """Write {rule: values} through the ORM, only the values that changed.

        One ``write`` per distinct set of changed values, rules sharing them
        written together: ``stock.warehouse.orderpoint.write`` and every
        add-on's override run, and Odoo recomputes the quantity to order and
        the deadlines only of the rules that changed. Returns that count.
        """
        groups = defaultdict(list)
        for orderpoint, values in values_by_orderpoint.items():
            changed = tuple(
                sorted(
                    (name, value)
                    for name, value in values.items()
                    if self._differs(orderpoint, name, value)
                )
            )
            if changed:
                groups[changed].append(orderpoint.id)
        orderpoint_model = self.env["stock.warehouse.orderpoint"].sudo()
        for changed, ids in groups.items():
            orderpoint_model.browse(ids).write(dict(changed))
        self._propose_again(
            orderpoint_model.browse([i for ids in groups.values() for i in ids])
        )
        return sum(len(ids) for ids in groups.values())

    @api.model
    def _propose_again(self, orderpoints):
        """Rules that changed with a proposal still open: the daily run
        proposes them again now, not tomorrow (ordered as it stands, the
        proposal would buy for the old minimum and maximum)."""
        if not orderpoints:
            return
        stale = (
            self.env["sop.reorder.proposal"]
            .sudo()
            .search(
                [
                    ("orderpoint_id", "in", orderpoints.ids),
                    ("state", "in", ("proposed", "exception")),
                ]
            )
            .orderpoint_id
        )
        stale._sop_check_again()

    @api.model
    def _differs(self, record, name, value):
        """True if writing ``value`` would change ``record[name]``."""
        field = record._fields[name]
        current = record[name]
        if field.type == "many2one":
            return current.id != (value or False)
        if field.type == "float":
            digits = field.get_digits(record.env)
            if digits:
                return bool(
                    float_compare(current, value or 0.0, precision_digits=digits[1])
                )
        return current != value

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
        "service_type",
    )
    @api.depends_context("lang")
    def _compute_backtest_summary(self):
        for policy in self:
            if policy.state == "skipped":
                policy.backtest_summary = False
            elif policy.backtest_state == "ok" and not (
                policy.backtest_fill_rate or policy.backtest_avg_stock
            ):
                # planned on a year without sales: it held nothing
                policy.backtest_summary = self.env._(
                    "Over the last 12 months this policy, planned from the sales "
                    "before them (none in the year before), would have held "
                    "nothing and served none of their demand (target %s %%).",
                    formatLang(self.env, policy.service_level, digits=1),
                )
            elif policy.backtest_state == "ok":
                policy.backtest_summary = policy._backtest_sentence()
            elif policy.backtest_state == "no_demand":
                policy.backtest_summary = self.env._(
                    "No sales in the last 12 months: nothing to replay."
                )
            else:
                policy.backtest_summary = self.env._(
                    "Not enough sales history to replay this policy on its "
                    "own past (a year before the last 12 months is needed)."
                )

    def _backtest_sentence(self):
        """What a replayed policy would have given, against what its target
        counts."""
        figures = {  # numbers written as the user's language writes them
            "fill": formatLang(self.env, self.backtest_fill_rate, digits=1),
            "target": formatLang(self.env, self.service_level, digits=1),
            "stock": formatLang(self.env, self.backtest_avg_stock, digits=1),
            "uom": self.uom_id.name or "",
            "value": format_amount(
                self.env, self.backtest_avg_stock_value, self.currency_id
            ),
        }
        if self.service_type == "cycle":
            return self.env._(
                "Over the last 12 months this policy, planned from the sales "
                "before them, would have given "
                "%(fill)s %% fill with %(stock)s %(uom)s average stock "
                "(%(value)s); its target is no stockout in %(target)s %% "
                "of order cycles.",
                **figures,
            )
        return self.env._(
            "Over the last 12 months this policy, planned from the sales "
            "before them, would have given "
            "%(fill)s %% fill (target %(target)s %%) with %(stock)s "
            "%(uom)s average stock (%(value)s).",
            **figures,
        )
