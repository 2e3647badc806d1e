import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError
from odoo.fields import Domain
from odoo.tools import formatLang

from .sop_bulk import bulk_create, bulk_update
from .sop_common import GROUP_PURCHASE, SAFETY_STOCK_HELP, set_worded

_logger = logging.getLogger(__name__)

OPEN_STATES = ("proposed", "exception")


class SopReorderProposal(models.Model):
    """What purchasing should order for one S&OP reordering rule, and why.

    Created by the replenishment run when the projected stock of a rule
    managed by S&OP falls below its reorder point. Confirming it lets Odoo's
    procurement create or update the RFQ (routes, vendor, MOQ and RFQ
    grouping as usual), or the transfer from the warehouse that resupplies
    it; the proposal follows its RFQ line or its transfer's move into the
    warehouse: done once received, open again if cancelled. Purchasing's daily to-do
    (``todo_id``) is marked done when none of the proposals it announced is
    still open.
    """

    _name = "sop.reorder.proposal"
    _inherit = ["sop.explained.mixin"]
    _description = "S&OP Reorder Proposal"
    _order = "date_needed, id"
    _check_company_auto = True
    _rec_name = "product_id"

    company_id = fields.Many2one("res.company", required=True, index=True)
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        string="Reordering Rule",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    policy_id = fields.Many2one(
        "sop.inventory.policy", readonly=True, check_company=True
    )
    cycle_id = fields.Many2one(
        "sop.cycle",
        string="Plan",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        help="The plan of the policy when the proposal was last refreshed; an "
        "ordered proposal keeps it when a later plan takes the policy over.",
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, check_company=True
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    vendor_id = fields.Many2one("res.partner", readonly=True)
    source_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Resupplied From",
        readonly=True,
        help="The warehouse Odoo's resupply route transfers this product from.",
    )
    lead_days = fields.Float(
        string="Lead Time (days)",
        readonly=True,
        help="Odoo's lead time of the rule: the vendor's, or the transfer's.",
    )
    quantity = fields.Float(digits="Product Unit", readonly=True)
    date_needed = fields.Date(readonly=True)
    qty_on_hand = fields.Float(string="On Hand", digits="Product Unit", readonly=True)
    qty_projected = fields.Float(
        string="Projected Stock",
        digits="Product Unit",
        readonly=True,
        help="On hand plus incoming minus outgoing over the lead time, as "
        "Odoo's reordering rule computes it (draft RFQs included).",
    )
    reorder_point = fields.Float(digits="Product Unit", readonly=True)
    order_up_to = fields.Float(
        string="Order-up-to Level", digits="Product Unit", readonly=True
    )
    lead_time_demand = fields.Float(
        string="Forecast over Lead Time", digits="Product Unit", readonly=True
    )
    safety_stock = fields.Float(
        digits="Product Unit",
        readonly=True,
        help=SAFETY_STOCK_HELP,
    )
    service_level = fields.Float(string="Service Level (%)", readonly=True)
    exception_reason = fields.Char(
        string="Exception Reason as Written",
        readonly=True,
        help="The exception reason in the language of the run that found it; "
        "Exception Reason shows it in yours.",
    )
    exception_words = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="Why the proposal needs attention as a code, to word it in each "
        "reader's language (none: the stored text is shown).",
    )
    exception_reason_display = fields.Char(
        string="Exception Reason", compute="_compute_exception_reason_display"
    )
    explanation_values = fields.Json(
        readonly=True,
        groups="base.group_no_one",
        help="What the explanation quotes besides the proposal's numbers (the "
        "vendor's minimum, the policy's explanation), to word it in each "
        "reader's language.",
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line", string="RFQ Line", readonly=True, index="btree_not_null"
    )
    purchase_id = fields.Many2one(related="purchase_line_id.order_id", string="RFQ")
    move_id = fields.Many2one(
        "stock.move",
        string="Transfer Move",
        readonly=True,
        index="btree_not_null",
        help="The move into this warehouse of the transfer ordered for it.",
    )
    picking_id = fields.Many2one(
        related="move_id.picking_id", string="Transfer", readonly=True
    )
    todo_id = fields.Many2one(
        "mail.activity",
        string="Purchasing To-Do",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    state = fields.Selection(
        [
            ("proposed", "Proposed"),
            ("exception", "Needs Attention"),
            ("ordered", "Ordered"),
            ("done", "Received"),
        ],
        compute="_compute_state",
        store=True,
        readonly=True,
        index=True,
    )

    @api.depends(
        "exception_reason",
        "purchase_line_id.order_id.state",
        "purchase_line_id.qty_received",
        "purchase_line_id.product_qty",
        "purchase_line_id.move_ids.state",
        "move_id.state",
        "move_id.picking_id.backorder_ids.move_ids.state",
    )
    def _compute_state(self):
        for proposal in self:
            line = proposal.purchase_line_id
            move = proposal.move_id
            if move and move.state != "cancel":
                # received in part: the rest on its way in a backorder
                arrived = move.state == "done" and not _still_coming(move)
                proposal.state = "done" if arrived else "ordered"
            elif line and line.order_id.state != "cancel":
                received = line.product_uom_id.compare(
                    line.qty_received, line.product_qty
                )
                # received in part and the rest cancelled: nothing more comes
                ended = line.qty_received > 0 and all(
                    m.state in ("done", "cancel") for m in line.move_ids
                )
                proposal.state = "done" if received >= 0 or ended else "ordered"
            elif proposal.exception_reason:
                proposal.state = "exception"
            else:
                proposal.state = "proposed"

    def action_confirm(self):
        """Order what each proposal's rule still needs, through Odoo's
        procurement (creates the RFQs or transfers).

        The rules are proposed again first: an RFQ or transfer made since the
        daily run (by hand, from a vendor order, an RFQ cancelled and its
        proposal reopened) counts as incoming, so nothing is bought twice.
        Returns a notification naming the proposals whose quantity changed.
        """
        if not (self.env.su or self.env.user.has_group(GROUP_PURCHASE)):
            raise AccessError(
                self.env._("Only purchase users can confirm reorder proposals.")
            )
        attention = self.filtered(lambda p: p.state == "exception")[:1]
        if attention:
            raise UserError(
                self.env._(
                    "Proposal %(proposal)s needs attention before it is ordered: "
                    "%(reason)s",
                    proposal=attention.display_name,
                    reason=attention.exception_reason_display,
                )
            )
        blocked = self.filtered(lambda p: p.state not in ("proposed",))
        if blocked:
            raise UserError(
                self.env._(
                    "Proposal %(proposal)s is %(state)s: only proposed ones can be "
                    "confirmed.",
                    proposal=blocked[0].display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        blocked[0].state
                    ],
                )
            )
        archived = self.sudo().filtered(
            lambda p: not (p.orderpoint_id.active and p.product_id.active)
        )
        if archived:
            raise UserError(
                self.env._(
                    "%(product)s is not ordered: the product or its reordering "
                    "rule is archived (the daily run removes its proposal).",
                    product=archived[0].product_id.display_name,
                )
            )
        orderpoints = self.orderpoint_id.sudo()
        try:
            orderpoints.lock_for_update(allow_referencing=True)
        except LockError:
            raise UserError(
                self.env._(
                    "The reorder proposals of these products are being worked "
                    "on right now (the daily run or another buyer); order "
                    "again in a minute."
                )
            ) from None
        shown = {p.orderpoint_id: (p.product_id.display_name, p.quantity) for p in self}
        listed = self._listed_on_draft_vendor_orders()
        current = self.sudo()._refresh_for_orderpoints(orderpoints)
        current.filtered(lambda p: p.state == "proposed")._create_rfqs()
        if listed:
            # the vendor orders are rebuilt without them (``_cron_replenish``)
            orderpoints._sop_check_again()
        changes = self._changes_since_the_run(shown, current)
        if not changes:
            return True
        gone = self.exists() != self
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "message": self.env._(
                    "Changed since the daily run (an RFQ, transfer, receipt or "
                    "sale since then): %s.",
                    "; ".join(changes),
                ),
                # a proposal no longer needed is gone: back to the list
                "next": dict(
                    self.env["ir.actions.act_window"]._for_xml_id(
                        "sop_planning.sop_reorder_proposal_action"
                    ),
                    target="main",  # the form of a proposal that is gone leaves
                )
                if gone
                else {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _listed_on_draft_vendor_orders(self):
        """Whether a draft vendor order lists one of these proposals."""
        return bool(
            self.env["sop.vendor.order.line"]
            .sudo()
            .search_count(
                [("proposal_id", "in", self.ids), ("order_id.state", "=", "draft")],
                limit=1,
            )
        )

    @api.model
    def _changes_since_the_run(self, shown, current):
        """What Order did otherwise than ``shown`` ({rule: (product, quantity)}
        as the buyer saw them), given the rules' ``current`` proposals: a
        quantity ordered as the rule needs now, nothing needed any more, or
        a proposal that now needs attention (with its reason)."""
        by_rule = {p.orderpoint_id: p for p in current.exists()}

        def amount(value, unit):
            return f"{formatLang(self.env, value, dp='Product Unit')} {unit.name}"

        changes = []
        for orderpoint, (name, qty) in shown.items():
            proposal = by_rule.get(orderpoint)
            unit = orderpoint.product_uom
            if proposal and proposal.state == "exception":
                changes.append(
                    self.env._(
                        "%(product)s not ordered: %(reason)s",
                        product=name,
                        reason=proposal.exception_reason_display.rstrip("."),
                    )
                )
            elif not proposal or proposal.state != "ordered":
                changes.append(
                    self.env._(
                        "%(product)s %(shown)s -> nothing needed now",
                        product=name,
                        shown=amount(qty, unit),
                    )
                )
            elif unit.compare(proposal.quantity, qty):
                changes.append(
                    self.env._(
                        "%(product)s %(shown)s -> %(ordered)s ordered",
                        product=name,
                        shown=amount(qty, unit),
                        ordered=amount(proposal.quantity, unit),
                    )
                )
        return changes

    def _create_rfqs(self):
        """Run the rules' procurement for the proposed quantities and link lines."""
        for company in self.company_id:
            proposals = self.filtered(lambda p, c=company: p.company_id == c)
            for proposal in proposals:
                orderpoint = proposal.orderpoint_id
                if orderpoint.product_uom.compare(
                    orderpoint.qty_to_order, proposal.quantity
                ):
                    # set as Odoo's manual quantity whatever the rule's
                    # trigger (an automatic rule's inverse would drop it)
                    orderpoint.qty_to_order_manual = proposal.quantity
            orderpoints = proposals.orderpoint_id
            chains = {
                (op.product_id.id, op.location_id.id, op.route_id.id): tuple(
                    op.rule_ids.ids
                )
                for op in orderpoints
            }
            open_lines = [
                ("orderpoint_id", "in", orderpoints.ids),
                ("order_id.state", "in", ("draft", "sent", "to approve")),
            ]
            PurchaseLine = self.env["purchase.order.line"]
            before = {
                line.id: line.product_qty for line in PurchaseLine.search(open_lines)
            }
            open_moves = [
                ("orderpoint_id", "in", orderpoints.ids),
                ("state", "not in", ("done", "cancel")),
            ]
            moves_before = {
                move.id: move.product_uom_qty
                for move in self.env["stock.move"].search(open_moves)
            }
            # same horizon as the proposals: the RFQ is dated for the need date
            orderpoints.with_context(
                global_horizon_days=0, sop_rule_chains=chains
            )._procure_orderpoint_confirm(company_id=company, raise_user_error=False)
            # ordered: the quantity set for it is spent, as Odoo's own
            # replenishment clears it (left, every run would order it again)
            orderpoints.action_remove_manual_qty_to_order()
            # only a line this procurement created or increased orders the
            # proposal: an older RFQ line of the rule does not
            line_by_orderpoint = {}
            for line in PurchaseLine.search(open_lines, order="id desc"):
                if before.get(line.id) != line.product_qty:
                    line_by_orderpoint.setdefault(line.orderpoint_id, line)
            linked = {
                proposal.id: line_by_orderpoint[proposal.orderpoint_id].id
                for proposal in proposals
                if proposal.orderpoint_id in line_by_orderpoint
            }
            self._link_rfq_lines(linked)
            unlinked = proposals - self.browse(linked)
            transfers = unlinked._new_transfer_moves(open_moves, moves_before)
            self._link_transfer_moves(transfers)
            unlinked -= self.browse(transfers)
            unlinked.sudo().write(
                {
                    "exception_reason": self._exception_text("no_procurement"),
                    "exception_words": {"code": "no_procurement"},
                }
            )
        self._close_finished_todos(self.todo_id)

    def _link_rfq_lines(self, line_by_proposal, ordered_qty=None):
        """Link {proposal id: new draft RFQ line id} in one statement.

        A proposal linked to a draft line is ordered, as its state compute
        would say; the lines were just created by Odoo's procurement.
        ``ordered_qty`` ({proposal id: quantity}, product unit): what was
        ordered (a vendor order's line, the buyer may have changed it), so
        the ordered proposal shows its RFQ's quantity.
        """
        if not line_by_proposal:
            return
        self.flush_model()
        ids = list(line_by_proposal)
        values = {
            "purchase_line_id": [line_by_proposal[i] for i in ids],
            "state": ["ordered"] * len(ids),
        }
        if ordered_qty is not None:
            values["quantity"] = [ordered_qty[i] for i in ids]
        bulk_update(self, ids, values)

    def _new_transfer_moves(self, open_moves, moves_before):
        """{proposal id: move id} of the moves into each proposal's location
        that this procurement created for its rule (a resupply transfer), or
        increased: Odoo adds a quantity to the rule's open transfer
        (``moves_before``: {move id: its quantity before})."""
        move_by_orderpoint = {}
        for move in self.env["stock.move"].search(open_moves, order="id desc"):
            added = move.id not in moves_before or (
                move.product_uom.compare(move.product_uom_qty, moves_before[move.id])
                > 0
            )
            if added and move.location_dest_id == move.orderpoint_id.location_id:
                move_by_orderpoint.setdefault(move.orderpoint_id, move.id)
        return {
            proposal.id: move_by_orderpoint[proposal.orderpoint_id]
            for proposal in self
            if proposal.orderpoint_id in move_by_orderpoint
        }

    def _link_transfer_moves(self, move_by_proposal):
        """Link {proposal id: new transfer move id}; the proposal is ordered."""
        if not move_by_proposal:
            return
        self.flush_model()
        ids = list(move_by_proposal)
        bulk_update(
            self,
            ids,
            {
                "move_id": [move_by_proposal[i] for i in ids],
                "exception_reason": [None] * len(ids),
                "exception_words": [None] * len(ids),
                "state": ["ordered"] * len(ids),
            },
        )

    @api.model
    def _refresh_for_orderpoints(self, orderpoints):
        """Create or update the open proposal of each rule that must order.

        Idempotent: a rule has at most one open (proposed or needing
        attention) proposal; quantities already on RFQs count as incoming,
        so a second run right after the first proposes nothing new.
        """
        # Only receipts due within the lead time cover the need: Odoo's own
        # replenishment horizon (365 days by default) would count later ones.
        orderpoints = orderpoints.with_context(global_horizon_days=0)
        orderpoints._compute_qty_to_order_computed()
        open_proposals = self.search(
            [
                ("orderpoint_id", "in", orderpoints.ids),
                ("state", "in", OPEN_STATES),
            ],
            order="id",
        )
        # the newest of a rule's open proposals: a cancelled RFQ opens its
        # proposal again next to the one made since for the rest of the need
        by_orderpoint = {p.orderpoint_id: p for p in open_proposals}
        stale = open_proposals - self.browse(p.id for p in by_orderpoint.values())
        late = self._late_draft_rfqs(orderpoints)
        to_create, to_update = [], {}
        for orderpoint in orderpoints:
            proposal = by_orderpoint.get(orderpoint)
            # what the rule needs now, not a quantity typed on it once
            qty = orderpoint.qty_to_order_computed
            if orderpoint.product_uom.compare(qty, 0.0) > 0:
                values = self._proposal_values(orderpoint, qty)
            else:
                values = self._late_draft_values(orderpoint, late.get(orderpoint.id))
            if not values:
                stale |= proposal or self.browse()
                continue
            if proposal:
                to_update[proposal.id] = values
            else:
                to_create.append(values)
        todos = stale.todo_id
        stale.unlink()
        self._close_finished_todos(todos)
        self._update_proposals(to_update)
        return open_proposals.exists() | self._insert_proposals(to_create)

    @api.model
    def _late_draft_rfqs(self, orderpoints):
        """{rule id: (RFQ names, quantity in the rule's unit)} of the draft
        RFQ lines of each rule that Odoo counts as on their way (as its
        ``_quantity_in_progress`` places them) though their planned date is
        past: nobody confirmed them, nothing is coming."""
        if not orderpoints:
            return {}
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        domain = orderpoints.product_id._get_lines_domain(
            orderpoints.location_id.ids
        ) & Domain("date_planned", "<", today)
        rules = {(o.product_id, o.location_id): o for o in orderpoints}
        late = {}
        for line in self.env["purchase.order.line"].sudo().search(domain):
            location = (
                line.orderpoint_id.location_id
                or line.location_final_id
                or line.order_id.picking_type_id.default_location_dest_id
            )
            rule = rules.get((line.product_id, location))
            if not rule:
                continue
            names, qty = late.get(rule.id, ([], 0.0))
            qty += line.product_uom_id._compute_quantity(
                line.product_qty, rule.product_uom, round=False
            )
            names = (
                names if line.order_id.name in names else [*names, line.order_id.name]
            )
            late[rule.id] = (names, qty)
        return late

    @api.model
    def _late_draft_values(self, orderpoint, late):
        """The proposal needing attention of a rule that orders nothing only
        because of draft RFQs past their planned date (``late``): what it
        would order without them, not orderable until the buyer confirms or
        cancels those RFQs; None when it needs nothing even without them."""
        if not late:
            return None
        names, late_qty = late
        projected = orderpoint.qty_forecast - late_qty
        if orderpoint.product_uom.compare(projected, orderpoint.product_min_qty) >= 0:
            return None
        need = orderpoint._get_multiple_rounded_qty(
            max(orderpoint.product_max_qty, orderpoint.product_min_qty) - projected
        )
        values = self._proposal_values(orderpoint, need)
        words = {
            "code": "late_rfq",
            "rfqs": ", ".join(names),
            "qty": late_qty,
            "projected": projected,
            "reorder_point": orderpoint.product_min_qty,
        }
        values.update(
            qty_projected=projected,
            exception_words=words,
            exception_reason=self._exception_text(
                "late_rfq", orderpoint.product_id, words
            ),
        )
        return values

    @api.model
    def _open_state_values(self, vals_list):
        """Plan and state of open proposals: the policy's plan, and the state
        as its compute would set it.

        The proposals are written in SQL (the ORM checks the company of five
        fields per record; all values come from the company's own rule and
        its policy), so the stored computed state is set here.
        """
        policies = self.env["sop.inventory.policy"].browse(
            {vals["policy_id"] for vals in vals_list if vals["policy_id"]}
        )
        cycle_by_policy = {policy.id: policy.cycle_id.id for policy in policies}
        return [
            dict(
                vals,
                cycle_id=cycle_by_policy.get(vals["policy_id"]),
                state="exception" if vals["exception_reason"] else "proposed",
            )
            for vals in vals_list
        ]

    @api.model
    def _insert_proposals(self, vals_list):
        """New proposals in one statement per batch."""
        return self.browse(bulk_create(self, self._open_state_values(vals_list)))

    @api.model
    def _update_proposals(self, values_by_id):
        """Refresh {open proposal id: values} in one statement per batch."""
        if not values_by_id:
            return
        self.flush_model()
        ids = list(values_by_id)
        vals_list = self._open_state_values([values_by_id[i] for i in ids])
        bulk_update(
            self, ids, {name: [v[name] for v in vals_list] for name in vals_list[0]}
        )

    @api.depends("exception_reason", "exception_words")
    @api.depends_context("lang")
    def _compute_exception_reason_display(self):
        """Why the proposal needs attention, in the reader's words; as stored
        without words."""
        set_worded(
            self,
            "exception_reason_display",
            "exception_reason",
            "exception_words",
            lambda proposal, words: self._exception_text(
                words["code"], proposal.product_id, words
            ),
        )

    @api.model
    def _exception_text(self, code, product=None, words=None):
        """An exception reason of ``code`` in ``self.env``'s language
        (``no_vendor`` names the ``product``; ``late_rfq`` its RFQs and
        quantities, in ``words``)."""
        if code == "late_rfq":
            uom = product.uom_id
            qty = uom._sop_format_qty
            return self.env._(
                "Draft RFQ %(rfqs)s (%(qty)s %(unit)s) is past its planned date "
                "and still not confirmed: confirm or cancel it. Without it the "
                "projected stock is %(projected)s %(unit)s, below the reorder "
                "point %(rop)s.",
                rfqs=words["rfqs"],
                qty=qty(words["qty"]),
                unit=uom.name,
                projected=qty(words["projected"]),
                rop=qty(words["reorder_point"]),
            )
        if code == "no_vendor":
            # a vendor archived since: not one more vendor line to add
            archived = (
                product.sudo()
                .with_context(active_test=False)
                .seller_ids.partner_id.filtered(lambda partner: not partner.active)
            )
            if archived:
                return self.env._(
                    "No vendor for %(product)s: its vendor %(vendor)s is archived. "
                    "Restore it, or set another vendor on the product.",
                    product=product.sudo().display_name,
                    vendor=", ".join(archived.mapped("display_name")),
                )
            return self.env._(
                "No vendor for %s: add one on the product.",
                product.sudo().display_name,
            )
        return self.env._(
            "Odoo's procurement created no RFQ line and no transfer: check "
            "the product's route and vendor."
        )

    def _seller_for(self, orderpoint, qty):
        """(vendor price line, quantity) for ``qty`` of ``orderpoint``: the
        rule's company's vendor prices, as Odoo's procurement reads them.
        A vendor whose minimum is above ``qty`` (raised since the plan was
        approved) still sells it: its smallest minimum is ordered, rounded
        up as the rule rounds, at the price line for that quantity."""
        product = orderpoint.product_id.with_company(orderpoint.company_id)
        ask = {
            "uom_id": orderpoint.product_uom,
            "params": {"orderpoint_id": orderpoint},
        }
        seller = product._select_seller(quantity=qty, **ask)
        if seller:
            return seller, qty
        vendor = product._select_seller(quantity=None, **ask).partner_id
        if not vendor:
            return seller, qty
        minimum = min(
            line.product_uom_id._compute_quantity(
                line.min_qty, orderpoint.product_uom, round=False
            )
            for line in product._get_filtered_sellers(
                partner_id=vendor, quantity=None, **ask
            )
        )
        qty = max(qty, orderpoint._get_multiple_rounded_qty(minimum))
        return product._select_seller(partner_id=vendor, quantity=qty, **ask), qty

    def _proposal_values(self, orderpoint, qty):
        """Values of the proposal of ``orderpoint`` for ``qty``, from its source.

        The rule's own chain (``rule_ids``, as Odoo's procurement will run
        it) says whether it buys, with the vendor Odoo selects, or resupplies
        from another warehouse, with Odoo's lead time of the rule.
        """
        product = orderpoint.product_id
        policy = orderpoint.sop_policy_id
        rules = orderpoint.rule_ids
        source = self.env["stock.warehouse"]
        seller = self.env["product.supplierinfo"]
        exception, words = False, None
        if "buy" in rules.mapped("action") or not rules:
            seller, qty = self._seller_for(orderpoint, qty)
            lead_days = seller.delay if seller else 0
            if not seller:
                words = {"code": "no_vendor"}
                exception = self._exception_text("no_vendor", product)
        else:
            last = rules[-1]
            if last.location_src_id.warehouse_id != orderpoint.warehouse_id:
                source = last.location_src_id.warehouse_id
            lead_days = orderpoint.lead_days
        values = {
            "company_id": orderpoint.company_id.id,
            "orderpoint_id": orderpoint.id,
            "policy_id": policy.id,
            "product_id": product.id,
            "warehouse_id": orderpoint.warehouse_id.id,
            "vendor_id": seller.partner_id.id,
            "source_warehouse_id": source.id,
            "lead_days": lead_days,
            "quantity": qty,
            "date_needed": fields.Date.context_today(self)
            + relativedelta(days=int(lead_days)),
            "qty_on_hand": orderpoint.qty_on_hand,
            "qty_projected": orderpoint.qty_forecast,
            "reorder_point": orderpoint.product_min_qty,
            "order_up_to": orderpoint.product_max_qty,
            "lead_time_demand": policy.lead_time_demand,
            "safety_stock": policy.safety_stock,
            "service_level": policy.service_level,
            "exception_reason": exception,
            "exception_words": words,
        }
        min_qty = (
            seller.product_uom_id._compute_quantity(seller.min_qty, product.uom_id)
            if seller
            else 0.0
        )
        lines = self._explain(
            values, seller.partner_id, source, min_qty, product.uom_id, policy.cycle_id
        )
        values["explanation"] = "\n".join(filter(None, [*lines, policy.explanation]))
        values["explanation_values"] = {
            "vendor_min_qty": min_qty,
            "policy": policy.explanation or "",
            "policy_head": policy.sudo().explanation_head,
            # the source the quoted figures were planned with (a later
            # refresh may follow the vendor's new lead time)
            "policy_source": policy.sudo().supply_source_values,
        }
        return values

    @api.depends(
        "explanation",
        "explanation_values",
        "vendor_id",
        "source_warehouse_id",
        "lead_days",
        "quantity",
        "qty_on_hand",
        "qty_projected",
        "reorder_point",
        "order_up_to",
        "lead_time_demand",
        "safety_stock",
        "service_level",
        "cycle_id",
        "policy_id.supply_source_display",
    )
    @api.depends_context("lang")
    def _compute_explanation_display(self):
        """The proposal's own sentences worded in the reader's language from
        its numbers, then the policy's trace it quotes; proposals made before
        their values were stored show their text, its policy words
        translated."""
        worded = self.filtered(lambda x: x.sudo().explanation_values)
        translate = self._explanation_translator()
        for proposal in worded:
            values = proposal.sudo().explanation_values
            lines = proposal._explain(
                proposal,
                proposal.vendor_id,
                proposal.source_warehouse_id,
                values["vendor_min_qty"],
                proposal.product_id.uom_id,
                proposal.cycle_id,
            )
            proposal.explanation_display = "\n".join(
                filter(
                    None,
                    [
                        *lines,
                        proposal.sudo().policy_id._worded_explanation(
                            values["policy"],
                            values.get("policy_head"),
                            translate,
                            values.get("policy_source"),
                        ),
                    ],
                )
            )
        return super(SopReorderProposal, self - worded)._compute_explanation_display()

    @api.model
    def _explain(self, values, vendor, source, min_qty, uom, cycle):
        """The proposal's sentences in the language of ``self.env``, from
        ``values`` (its numbers, a dict or the proposal itself): stock and
        order quantities in the unit's steps (whole pieces), the forecast
        over the lead time and the safety stock to two decimals, each number
        as the reader's language writes it."""
        qty = (uom or self.env["uom.uom"])._sop_format_qty

        def estimate(value):
            return formatLang(self.env, value, digits=2)

        lines = []
        if source:
            lines.append(
                self.env._(
                    "Resupplied from %(warehouse)s, %(days)s days (Odoo's route).",
                    warehouse=source.code or source.name,
                    days=int(values["lead_days"]),
                )
            )
        elif vendor:
            lines.append(
                self.env._(
                    "Bought from %(vendor)s, %(days)s days.",
                    vendor=vendor.display_name,
                    days=int(values["lead_days"]),
                )
            )
        lines += [
            self.env._(
                "Projected stock %(projected)s (on hand %(on_hand)s, incoming and "
                "outgoing over the lead time included) is below the reorder point "
                "%(rop)s.",
                projected=qty(values["qty_projected"]),
                on_hand=qty(values["qty_on_hand"]),
                rop=qty(values["reorder_point"]),
            ),
            self.env._(
                "Reorder point = forecast over the lead time %(ltd)s + safety stock "
                "%(ss)s (service level %(level)s %%).",
                ltd=estimate(values["lead_time_demand"]),
                ss=estimate(values["safety_stock"]),
                level=formatLang(self.env, values["service_level"], digits=1),
            ),
            self.env._(
                "Order %(qty)s to reach the order-up-to level %(max)s%(moq)s.",
                qty=qty(values["quantity"]),
                max=qty(values["order_up_to"]),
                moq=self.env._(
                    " (vendor minimum %(qty)s %(unit)s)",
                    qty=qty(min_qty),
                    unit=uom.name,
                )
                if vendor and min_qty
                else "",
            ),
        ]
        if cycle:
            lines.append(self.env._("Plan: %s.", cycle.name))
        return lines

    @api.model
    def _cron_replenish(self, batch_size=1000):
        """Daily: refresh the proposals of every S&OP rule, in batches.

        Each batch is committed with the cron progress API; a rule that fails
        is logged and skipped, the others go on. Where the company orders
        automatically, new proposals are confirmed into RFQs at once. Batches
        of 1000 rules, as Odoo's own scheduler: each commit recomputes the
        draft RFQs the batch added lines to. When the last rule of the day is
        checked, purchasing gets one summary of the open proposals.

        Rules of resupplied warehouses go first: the transfers they order
        are outgoing for their source warehouse, whose rule then proposes
        its purchase in the same run.
        """
        today = fields.Date.context_today(self)
        self._drop_archived()
        orderpoint_model = self.env["stock.warehouse.orderpoint"].sudo()
        domain = self._pending_rules_domain(today)
        checked = False
        fed_first = [*domain, ("sop_policy_id.supply_route", "=", "resupply")]
        out_of_time = False
        for step_domain in (fed_first, domain):
            remaining = not out_of_time and orderpoint_model.search_count(step_domain)
            while remaining:
                batch = orderpoint_model.search(
                    step_domain, limit=batch_size, order="id"
                )
                batch = batch.try_lock_for_update()
                if not batch:  # another run holds them
                    break
                self._replenish_batch(batch)
                batch.sop_date_checked = today
                checked = True
                remaining = orderpoint_model.search_count(step_domain)
                progress = self.env["ir.cron"]._commit_progress(
                    len(batch), remaining=orderpoint_model.search_count(domain)
                )
                if progress <= 0:
                    out_of_time = True
                    break
        remaining = orderpoint_model.search_count(domain)
        if checked and not remaining:
            self.env["sop.vendor.order"]._build_vendor_orders()
            self._notify_purchasing(
                self.search(
                    [
                        ("state", "in", ("proposed", "exception")),
                        ("orderpoint_id.sop_date_checked", "=", today),
                    ]
                )
            )

    @api.model
    def _pending_rules_domain(self, today):
        """S&OP rules the daily run has not looked at on ``today``."""
        return [
            ("sop_managed", "=", True),
            ("sop_manual", "=", False),
            "|",
            ("sop_date_checked", "=", False),
            ("sop_date_checked", "<", today),
        ]

    @api.model
    def _replenish_batch(self, orderpoints):
        """Refresh a batch of rules' proposals; one failing rule does not stop it."""
        try:
            with self.env.cr.savepoint():
                self.sudo()._refresh_for_orderpoints(orderpoints)._auto_order()
                return
        except Exception:  # noqa: BLE001 - isolate the failing rule below
            _logger.info("S&OP replenishment: batch failed, retrying rule by rule")
        for orderpoint in orderpoints:
            try:
                with self.env.cr.savepoint():
                    self.sudo()._refresh_for_orderpoints(orderpoint)._auto_order()
            except Exception as exc:  # noqa: BLE001 - logged and skipped
                _logger.warning(
                    "S&OP replenishment: rule %s (%s) skipped: %s",
                    orderpoint.display_name,
                    orderpoint.product_id.display_name,
                    exc,
                )

    @api.model
    def _drop_archived(self):
        """Remove the open proposals of archived rules or products: the run
        no longer checks those rules, and nothing is bought for them."""
        gone = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("state", "in", OPEN_STATES),
                    "|",
                    ("orderpoint_id.active", "=", False),
                    ("product_id.active", "=", False),
                ]
            )
        )
        todos = gone.todo_id
        gone.unlink()
        self._close_finished_todos(todos)

    def _auto_order(self):
        """Order the proposals of companies that order automatically, but
        not purchases a purchase budget of this month caps: those go through
        the vendor orders, where the budget defers what is over it (ordered
        at once, they would spend past it unseen). Transfers and products no
        budget covers are ordered as before."""
        proposed = self.filtered(
            lambda p: p.state == "proposed" and p.company_id.sop_auto_rfq
        )
        Budget = self.env["sop.purchase.budget"].sudo()
        held = self.browse()
        for company in proposed.company_id:
            today = fields.Date.context_today(self.with_company(company))
            bought = proposed.filtered(
                lambda p, c=company: p.company_id == c and p.vendor_id
            )
            for budget in Budget._month_budgets(company, today):
                covered = set(budget._covers(bought.product_id).ids)
                held |= bought.filtered(lambda p, c=covered: p.product_id.id in c)
        to_order = proposed - held
        if to_order:
            to_order._create_rfqs()

    @api.model
    def _notify_purchasing(self, proposals):
        """One open summary to-do per company for its purchasing responsible.

        The to-do still open from an earlier day is updated (count, note,
        deadline, the newest plan of the proposals) rather than a second one
        added; it announces every open proposal, and is marked done once none
        of them is open.
        """
        today = fields.Date.context_today(self)
        for company in proposals.company_id:
            mine = proposals.filtered(
                lambda p, c=company: p.company_id == c and p.state in OPEN_STATES
            )
            # the newest plan (by month, then the latest made of a month)
            cycle = mine.cycle_id.sorted(lambda c: (c.date_month, c.id))[-1:]
            if not cycle:
                continue
            # else the executive who approved the plan, not the database's
            # administrator (another company's, maybe)
            user = (
                company.sop_purchase_user_id
                or cycle.approved_by_id
                or self.env.ref("base.user_admin")
            )
            # in the words of the buyer the to-do is for
            env = self.with_context(lang=user.lang or self.env.lang).env
            values = {
                "summary": env._("%s reorder proposals to review", len(mine)),
                "note": env._(
                    "The S&OP replenishment run proposes %(count)s purchases for "
                    "%(company)s; %(exceptions)s need attention.",
                    count=len(mine),
                    company=company.name,
                    exceptions=len(mine.filtered(lambda p: p.state == "exception")),
                ),
                "user_id": user.id,
            }
            todo = mine.todo_id.filtered("active").sorted("id")[-1:]
            if todo:
                # on the plan that sets the rules now, not a closed one
                todo.sudo().write(dict(values, date_deadline=today, res_id=cycle.id))
            else:
                todo = cycle.sudo().activity_schedule(
                    "mail.mail_activity_data_todo", **values
                )
            stale = mine.todo_id.filtered("active") - todo
            # only those not linked yet: a write of every open proposal each
            # day collided with a buyer ordering some of them meanwhile
            mine.filtered(lambda p, todo=todo: p.todo_id != todo).sudo().todo_id = todo
            self._close_finished_todos(stale)

    @api.model
    def _close_finished_todos(self, todos):
        """Mark done the to-dos none of whose proposals is still open."""
        todos = todos.sudo().filtered("active")
        if not todos:
            return
        self.flush_model(["todo_id", "state"])
        still_open = {
            todo
            for [todo] in self.sudo()._read_group(
                [("todo_id", "in", todos.ids), ("state", "in", OPEN_STATES)],
                ["todo_id"],
            )
        }
        finished = todos.filtered(lambda todo: todo not in still_open)
        if finished:
            finished.action_feedback(
                feedback=self.env._(
                    "Every proposal announced is ordered or no longer needed."
                )
            )


def _still_coming(move):
    """Whether moves of ``move``'s product are still to be done in the
    backorders of its transfer (a partial validation split them off)."""
    pickings = todo = move.picking_id
    while todo:
        todo = todo.backorder_ids - pickings
        pickings |= todo
    return any(
        m.product_id == move.product_id and m.state not in ("done", "cancel")
        for m in (pickings - move.picking_id).move_ids
    )
