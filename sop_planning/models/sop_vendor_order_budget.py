"""The daily run's budget step: deferrals and what they cost in fill rate."""

import logging
import math
from collections import defaultdict

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ..engine import EngineInputError
from ..engine.vendor_order import apply_budget, budget_fill_rate
from .sop_reorder_proposal import OPEN_STATES
from .sop_vendor_order import ORDERED_REASONS

DAYS_PER_MONTH = 365.25 / 12
_logger = logging.getLogger(__name__)


class SopVendorOrder(models.Model):
    _inherit = "sop.vendor.order"  # pylint: disable=consider-merging-classes-inherited

    def _apply_budget(self, company, orders):
        """Defer the lines of lowest stockout risk x margin over the budgets.

        Per month of order date and per budget (categories, deepest first,
        then the company's total): the budget less what RFQs of that month
        already commit to it; only proposed orders' lines are deferred. Then
        the deferral is scored (``_score_budgets``), with the lines deferred
        on orders since sent whose proposals still wait.
        """
        Budget = self.env["sop.purchase.budget"]
        months = {order.date_order.replace(day=1) for order in orders}
        # budgets that deferred lines: scored again (some may be ordered since)
        this_month = fields.Date.context_today(self).replace(day=1)
        months |= {
            budget.date_month.replace(day=1)
            for budget in Budget.search(
                [
                    ("company_id", "=", company.id),
                    ("deferred_count", ">", 0),
                    ("date_month", ">=", this_month),
                ]
            )
        }
        # proposals a draft order lists (any month): not waiting on a sent one
        drafted = set(
            self.search(
                [("company_id", "=", company.id), ("state", "=", "draft")]
            ).line_ids.proposal_id.ids
        )
        for month in sorted(months):
            budgets = Budget._month_budgets(company, month)
            month_orders = self._month_orders(company, month)
            drafts = month_orders.filtered(lambda o: o.state == "draft")
            lines = drafts.line_ids.filtered(
                lambda x: x.reason in ORDERED_REASONS or x.reason == "deferred"
            )
            committed = (month_orders - drafts)._committed_lines()
            deferred = self._budget_deferrals(budgets, lines, committed)
            self._write_deferrals(lines, deferred)
            # deferred on an order since sent as an RFQ, its proposal still
            # waiting (and on no draft): still what the budget costs
            waiting = self._deferred_waiting(budgets, month_orders - drafts, drafted)
            try:
                with self.env.cr.savepoint():
                    self._score_budgets(budgets, lines.filtered("budget_id") | waiting)
            except EngineInputError as exc:  # the orders stand; logged
                _logger.warning(
                    "S&OP purchase budgets of %s, %s: not scored: %s",
                    company.name,
                    month,
                    exc,
                )
            except Exception:  # noqa: BLE001 - the orders stand; logged
                _logger.exception(
                    "S&OP purchase budgets of %s, %s: not scored", company.name, month
                )

    def _month_orders(self, company, month):
        """The vendor orders of ``company`` dated in the month of ``month``
        (its first day)."""
        return self.search(
            [
                ("company_id", "=", company.id),
                ("date_order", ">=", month),
                ("date_order", "<", month + relativedelta(months=1)),
            ]
        )

    def _committed_lines(self):
        """The lines these orders (sent as RFQs) buy on their RFQs: a line
        left off its RFQ (archived, ordered elsewhere) spends nothing."""
        return self.line_ids.filtered(
            lambda x: x.reason in ORDERED_REASONS and x.purchase_line_id
        )

    def _check_budget_room(self):
        """Refuse an RFQ that spends past a purchase budget of its month:
        its lines at the buyer's quantities do not fit what the month's
        RFQs left of the budget (the daily run kept the lines that did; a
        buyer raised a quantity since)."""
        for order in self:
            budgets = self.env["sop.purchase.budget"]._month_budgets(
                order.company_id, order.date_order
            )
            if not budgets:
                continue
            sent = self._month_orders(
                order.company_id, order.date_order.replace(day=1)
            ).filtered(lambda o: o.state != "draft")
            ordered = order._lines_to_order()
            over = self._budget_deferrals(budgets, ordered, sent._committed_lines())
            if over:
                # name a line the buyer raised: the budget defers the least
                # urgent first, often one the buyer left as proposed
                first = self.env["sop.vendor.order.line"].browse(next(iter(over)))
                covered = over[first.id]._covers(ordered.product_id)
                raised = ordered.filtered(
                    lambda x, covered=covered: (
                        x.quantity > x.proposed_qty and x.product_id in covered
                    )
                )
                line = raised[:1] or first
                raise UserError(
                    self.env._(
                        "Vendor order %(order)s spends past the purchase budget "
                        "%(budget)s: with %(product)s at %(quantity)s its lines "
                        "do not fit what the month's RFQs left of it. Lower the "
                        "quantities you raised, or raise the budget.",
                        order=order.name,
                        budget=over[first.id].display_name,
                        product=line.product_id.display_name,
                        quantity=formatLang(self.env, line.quantity, dp="Product Unit"),
                    )
                )

    def _deferred_waiting(self, budgets, sent, drafted):
        """Lines of orders already ``sent`` that ``budgets`` deferred and
        whose proposal still waits: the newest line of each proposal, none
        of a proposal a draft order lists again (``drafted``: their ids)."""
        newest = {}
        deferred = sent.line_ids.filtered(lambda x: x.budget_id in budgets)
        for line in deferred.sorted(lambda x: (x.order_id.date_order, x.id)):
            proposal = line.proposal_id
            if proposal.state in OPEN_STATES and proposal.id not in drafted:
                newest[proposal] = line
        return self.env["sop.vendor.order.line"].union(*newest.values())

    def _budget_deferrals(self, budgets, lines, committed):
        """{line id: the budget that defers it}, each budget in turn on the
        lines no earlier budget deferred."""
        deferred = {}
        # what the RFQs of the month buy: their lines as the buyer left them
        # (lines added on the RFQ too), not those of a cancelled RFQ
        purchased = (
            committed.order_id.purchase_id.order_line | committed.purchase_line_id
        ).filtered(lambda x: x.order_id.state != "cancel")
        for budget in budgets:
            covered = set(budget._covers(lines.product_id | purchased.product_id).ids)
            scope = lines.filtered(
                lambda x, covered=covered: (
                    x.id not in deferred
                    and x.product_id.id in covered
                    and x.quantity > 0  # the buyer's 0: left out, not deferred
                )
            )
            spent = purchased.filtered(
                lambda x, covered=covered: x.product_id.id in covered
            )
            # what the RFQ lines buy (whole packs, the buyer's edits there),
            # converted once per currency and order day
            bought = defaultdict(float)
            for line in spent:
                day = line.order_id.date_order.date()
                bought[line.currency_id, day] += line.price_subtotal
            remaining = budget.amount - sum(
                currency._convert(
                    amount, budget.company_id.currency_id, budget.company_id, day
                )
                for (currency, day), amount in bought.items()
            )
            # the buyer's quantity, at its price (repriced when it changes)
            frame = pd.DataFrame(
                {
                    "line_id": scope.ids,
                    "value": [x.quantity * x.price_unit for x in scope],
                    "days_to_stockout": [x.days_to_stockout for x in scope],
                    "margin": [
                        x.quantity * (x.product_id.lst_price - x.price_unit)
                        for x in scope
                    ],
                }
            )
            over = apply_budget(frame, remaining) if remaining > 0 else scope.ids
            deferred.update(dict.fromkeys(over, budget))
        return deferred

    def _write_deferrals(self, lines, deferred):
        """Mark the deferred lines with the budget's reason; release the
        others; the orders' explanations say which budgets deferred lines."""
        Budget = self.env["sop.purchase.budget"]
        changed = self.browse()
        old_notes = set(lines.filtered("budget_note").mapped("budget_note"))
        for line in lines:
            budget = deferred.get(line.id, Budget)
            values = self._budget_note_values(budget) if budget else False
            if (
                line.budget_id == budget
                and line.budget_note_values == values
                and (line.reason == "deferred") == bool(budget)
            ):
                continue
            line.write(
                {
                    "reason": "deferred" if budget else line._built_reason(),
                    "budget_id": budget.id,
                    "budget_note_values": values,
                    "budget_note": values and self._note_text("deferred", values),
                }
            )
            changed |= line.order_id
        for order in changed:
            if order.explanation_values:
                order.explanation = order._explain(order.explanation_values)
                continue
            # built before the values were stored: its text, budget notes renewed
            kept = [
                text
                for text in (order.explanation or "").split("\n")
                if text not in old_notes
            ]
            notes = dict.fromkeys(
                order.line_ids.filtered("budget_id").mapped("budget_note")
            )
            order.explanation = "\n".join(filter(None, kept + list(notes)))

    def _budget_note_values(self, budget):
        """What the deferral note of ``budget`` says, to word it per reader."""
        return {"budget": budget.amount, "name": budget.display_name}

    def _score_budgets(self, budgets, deferred_lines):
        """Store what each budget's deferrals cost in expected fill rate.

        The deferred lines are simulated as proposed and ordered on the
        vendor's first order date of the next month (``budget_fill_rate``);
        a budget that defers nothing costs nothing.
        """
        items, incoming = self._budget_items(deferred_lines)
        scores = budget_fill_rate(items, incoming)
        scores["budget_id"] = scores["item_id"].map(
            {line.id: line.budget_id.id for line in deferred_lines}
        )
        sums = scores.groupby("budget_id")[
            ["demand", "served_proposed", "served_budget"]
        ].sum()
        for budget in budgets:
            mine = deferred_lines.filtered(lambda x, b=budget: x.budget_id == b)
            demand, without, with_budget = (
                sums.loc[budget.id].tolist() if budget.id in sums.index else (0, 0, 0)
            )
            without = without / demand if demand > 0 else 0.0
            with_budget = with_budget / demand if demand > 0 else 0.0
            values = {
                "deferred_count": len(mine),
                "deferred_value": sum(x.quantity * x.price_unit for x in mine),
                "scored_demand": demand,
                "fill_rate_without": without,
                "fill_rate_with": with_budget,
                "fill_rate_cost": without - with_budget,
            }
            if any(
                not math.isclose(budget[name], value, abs_tol=1e-6)
                for name, value in values.items()
            ):
                budget.sudo().write(values)  # scores: no user may type them

    def _budget_items(self, lines):
        """The engine's items and receipts of ``budget_fill_rate`` for lines.

        Each line starts on its order date from the warehouse's stock on
        hand, owing the deliveries dated before it; receipts dated before it
        arrive on it, later ones on their day. Deliveries from the order
        date on are left to the simulated demand, which they are part of.
        """
        lines = lines.filtered("orderpoint_id.sop_policy_id")
        on_hand, moves = self._budget_stock(lines)
        policies = lines.orderpoint_id.sop_policy_id
        sigmas = {
            (f.cycle_id.id, f.product_id.id, f.warehouse_id.id): f.sigma
            for f in self.env["sop.forecast"].search(
                [
                    ("cycle_id", "in", policies.cycle_id.ids),
                    ("product_id", "in", policies.product_id.ids),
                    ("state", "=", "ok"),
                ]
            )
        }
        rows, incoming = [], []
        for line in lines:
            rule = line.orderpoint_id
            policy = rule.sop_policy_id
            order = line.order_id
            key = (line.product_id.id, rule.warehouse_id.id)
            flows = moves.get(key, [])
            start = order.date_order
            incoming += [
                {"item_id": line.id, "day": max((day - start).days, 0), "qty": qty}
                for day, qty, _out in flows
                if qty
            ]
            sigma = sigmas.get(
                (policy.cycle_id.id, policy.product_id.id, policy.warehouse_id.id)
            )
            next_month = order.date_order.replace(day=1) + relativedelta(months=1)
            vendor = order.vendor_id.with_company(order.company_id)
            goes_out = vendor._sop_next_order_date(next_month, order.date_order)
            rows.append(
                {
                    "item_id": line.id,
                    "demand_per_day": policy.demand_per_day,
                    "demand_std_per_day": sigma / math.sqrt(DAYS_PER_MONTH)
                    if sigma
                    else math.nan,
                    "on_hand": on_hand.get(key, 0.0),
                    "backlog": sum(out for day, _in, out in flows if day < start),
                    "reorder_point": rule.product_min_qty,
                    "order_up_to": rule.product_max_qty,
                    "lead_time_days": policy.lead_time_days,
                    "lead_time_std_days": policy.lead_time_std_days,
                    "review_days": vendor.sop_review_days,
                    "multiple": policy.qty_multiple,
                    "proposed_qty": line.quantity,  # the buyer's
                    "defer_days": (goes_out - order.date_order).days,
                }
            )
        incoming = pd.DataFrame(incoming, columns=["item_id", "day", "qty"])
        return pd.DataFrame(rows), incoming

    def _budget_stock(self, lines):
        """Stock on hand and open moves of the lines' products and warehouses.

        Returns ``({(product, warehouse): on hand}, {(product, warehouse):
        [(day, incoming, committed)]})``; moves dated before the lines'
        first order date count on the day before it.
        """
        data = self.env["sop.supply.data"].sudo()
        on_hand, moves = {}, {}
        for company in lines.order_id.company_id:
            mine = lines.filtered(lambda x, c=company: x.order_id.company_id == c)
            args = (company, mine.orderpoint_id.warehouse_id, mine.product_id)
            for row in data._on_hand(*args).itertuples(index=False):
                on_hand[row.product_id, row.warehouse_id] = row.on_hand
            first = min(mine.order_id.mapped("date_order")) - relativedelta(days=1)
            for row in data._open_moves(*args, first, unit="day").itertuples(
                index=False
            ):
                moves.setdefault((row.product_id, row.warehouse_id), []).append(
                    (row.period.date(), row.incoming, row.committed)
                )
        return on_hand, moves
