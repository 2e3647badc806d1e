import logging
from unittest.mock import patch

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models import sop_cycle_forecast
from .common_data import SopDataCase

LOG_REPLENISH = "odoo.addons.sop_planning.models.sop_reorder_proposal"


class WorkerKilled(Exception):
    """Stands for a worker killed between a batch's work and its commit."""


def fail_on_call(model, method, call, exception):
    """Patch ``model.method`` to raise ``exception`` after its work on call ``call``.

    Return the patcher and the list of calls made so far.
    """
    original = getattr(model, method)
    calls = []

    def wrapper(self, *args, **kwargs):
        calls.append(args)
        result = original(self, *args, **kwargs)
        if len(calls) == call:
            raise exception
        return result

    return patch.object(model, method, wrapper), calls


def assert_dies(case, function, *args, **kwargs):
    """Call ``function`` and check it raises ``WorkerKilled``.

    Not ``assertRaises``: Odoo's rolls back a savepoint when the exception
    is caught, which would hide what the run itself committed.
    """
    try:
        function(*args, **kwargs)
    except WorkerKilled:
        return
    case.fail("the run should have died")


@tagged("post_install", "-at_install")
class TestBatchSafety(SopDataCase):
    """A run that dies in batch k keeps batches 1..k-1 and the next run finishes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a.sop_auto_rfq = True
        cls.products = cls.env["product.product"]
        cls.rules = cls.env["stock.warehouse.orderpoint"]
        for index in range(5):
            product = cls._product(f"Part {index}", standard_price=10.0)
            cls._vendor_price(product, 10)
            cls.products |= product
            cls.rules |= cls.env["stock.warehouse.orderpoint"].create(
                {
                    "product_id": product.id,
                    "warehouse_id": cls.warehouse.id,
                    "location_id": cls.stock.id,
                    "product_min_qty": 10.0,
                    "product_max_qty": 50.0 + index,
                    "sop_managed": True,
                }
            )

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _replenish(self, batch_size=2):
        """A cron run on its own cursor: committed batches stay, the rest not."""
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            self.env(cr=cr)["sop.reorder.proposal"]._cron_replenish(
                batch_size=batch_size
            )

    def _next_day(self):
        self.rules.sop_date_checked = False

    def _proposals(self):
        return self.env["sop.reorder.proposal"].search(
            [("orderpoint_id", "in", self.rules.ids)]
        )

    def _rfq_qty(self):
        """Quantity on open RFQ lines per rule."""
        lines = self.env["purchase.order.line"].search(
            [
                ("product_id", "in", self.products.ids),
                ("order_id.state", "in", ("draft", "sent", "to approve")),
            ]
        )
        qty = dict.fromkeys(self.rules, 0.0)
        for line in lines:
            rule = self.rules.filtered(lambda r, p=line.product_id: r.product_id == p)
            qty[rule] += line.product_qty
        return qty

    def _assert_one_ordered_proposal_per_rule(self, rules):
        proposals = self._proposals()
        self.assertEqual(proposals.orderpoint_id, rules)
        self.assertEqual(len(proposals), len(rules), "one proposal per rule")
        rfq = self._rfq_qty()
        for proposal in proposals:
            self.assertEqual(proposal.state, "ordered")
            self.assertAlmostEqual(proposal.quantity, proposal.order_up_to, 2)
            self.assertAlmostEqual(rfq[proposal.orderpoint_id], proposal.quantity, 2)
        for rule in self.rules - rules:
            self.assertEqual(rfq[rule], 0.0, rule.product_id.name)
        return proposals

    # ------------------------------------------------------------------
    # replenishment
    # ------------------------------------------------------------------
    def test_replenishment_killed_in_batch_two_resumes_without_doubling(self):
        Proposal = self.registry["sop.reorder.proposal"]
        patcher, calls = fail_on_call(
            Proposal, "_replenish_batch", 2, WorkerKilled("killed in batch 2")
        )
        with patcher:
            assert_dies(self, self._replenish, batch_size=2)
        self.assertEqual(len(calls), 2)
        # batch 1 is committed and complete: proposals, RFQ lines, rules checked
        first = self.rules[:2]
        self._assert_one_ordered_proposal_per_rule(first)
        today = fields.Date.context_today(self.rules)
        self.assertEqual(set(first.mapped("sop_date_checked")), {today})
        # batch 2 did its work, then died before its commit: none of it is left
        self.assertEqual(set((self.rules - first).mapped("sop_date_checked")), {False})

        self._replenish(batch_size=2)
        proposals = self._assert_one_ordered_proposal_per_rule(self.rules)
        orders = proposals.purchase_id
        self.assertEqual(len(orders), 1, "one RFQ for the vendor")

        # the next day's run finds everything ordered: nothing doubles
        self._next_day()
        self._replenish(batch_size=2)
        self.assertEqual(
            self._assert_one_ordered_proposal_per_rule(self.rules), proposals
        )
        self.assertEqual(len(orders.order_line), 5)

    def test_failing_rule_is_logged_and_skipped_batch_not_doubled(self):
        bad = self.rules[2]
        Proposal = self.registry["sop.reorder.proposal"]
        original = Proposal._refresh_for_orderpoints

        def refresh(model, orderpoints):
            result = original(model, orderpoints)
            if bad in orderpoints:
                raise ValueError(f"bad data on {bad.product_id.name}")
            return result

        with (
            patch.object(Proposal, "_refresh_for_orderpoints", refresh),
            self.assertLogs(LOG_REPLENISH, logging.WARNING) as logs,
        ):
            self._replenish(batch_size=5)
        self.assertIn("Part 2", logs.output[0])
        self.assertIn("skipped", logs.output[0])
        # the batch's RFQ lines, written before the failure, were rolled back
        self._assert_one_ordered_proposal_per_rule(self.rules - bad)

        self._next_day()
        self._replenish(batch_size=5)
        self._assert_one_ordered_proposal_per_rule(self.rules)


@tagged("post_install", "-at_install")
class TestForecastRunSafety(SopDataCase):
    """The forecast run is one transaction: a failure leaves the plan as it was."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.steady = cls._product("Steady")
        cls.other = cls._product("Other")
        cls.late = cls._product("Late starter")
        cls._monthly_sales({cls.steady: 10, cls.other: 4})

    def _run(self, cycle):
        """Run the forecast as a request would: its own cursor, rolled back on error."""
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            cycle.with_env(cycle.env(cr=cr)).action_run_forecast()

    def _snapshot(self, cycle):
        lines = cycle.plan_line_ids
        return (
            {
                (line.product_id.id, line.date_month): (
                    line.forecast_qty,
                    line.adjustment_qty,
                    line.consensus_qty,
                )
                for line in lines
            },
            {(f.product_id.id, f.warehouse_id.id): f.state for f in cycle.forecast_ids},
            cycle.date_forecast,
        )

    def _assert_complete(self, cycle, adjusted):
        products = self.steady | self.other | self.late
        keys = [(f.product_id, f.warehouse_id) for f in cycle.forecast_ids]
        self.assertEqual(len(keys), len(set(keys)), "one forecast per product")
        self.assertEqual(cycle.forecast_ids.product_id, products)
        self.assertEqual(len(cycle.plan_line_ids), 12 * len(products), "no doubles")
        self.assertAlmostEqual(adjusted.adjustment_qty, 5.0, places=2)
        self.assertEqual(adjusted.adjustment_reason, "promotion")

    def test_failure_while_writing_lines_leaves_the_plan_as_it_was(self):
        cycle = self._next_month_cycle()
        self._run(cycle)
        adjusted = self._lines(cycle, self.steady).sorted("date_month")[0]
        adjusted.write({"adjustment_qty": 5, "adjustment_reason": "promotion"})
        # new demand since: the next run changes forecasts and adds lines
        self._sale(self.steady, 40, self._month(-1) + relativedelta(days=20))
        before = self._snapshot(cycle)

        Line = self.registry["sop.plan.line"]
        patcher, _calls = fail_on_call(
            Line, "_sql_recompute", 1, WorkerKilled("killed while writing lines")
        )
        with patcher:
            assert_dies(self, self._run, cycle)
        self.env.invalidate_all()
        self.assertEqual(self._snapshot(cycle), before, "nothing half-written")

        self._run(cycle)
        self._assert_complete(cycle, adjusted)
        self.assertGreater(
            adjusted.forecast_qty, before[0][(self.steady.id, adjusted.date_month)][0]
        )
        self.assertAlmostEqual(
            adjusted.consensus_qty, adjusted.forecast_qty + 5.0, places=2
        )

    def test_engine_failure_in_one_batch_skips_that_batch_only(self):
        cycle = self._next_month_cycle()
        failing = self.other.id * 2**20 + self.warehouse.id
        original = sop_cycle_forecast.run_forecast

        def engine(history, *args, **kwargs):
            if failing in set(history["item_id"]):
                raise MemoryError("engine ran out of memory")
            return original(history, *args, **kwargs)

        def run_with_failing_batch():
            with (
                patch.object(sop_cycle_forecast, "ENGINE_BATCH", 1),
                patch.object(sop_cycle_forecast, "run_forecast", engine),
            ):
                self._run(cycle)

        run_with_failing_batch()
        other = self._forecast(cycle, self.other)
        self.assertEqual(other.state, "skipped")
        self.assertIn("engine failed on this batch", other.skip_reason)
        self.assertEqual(other.sudo().skip_words["code"], "engine_failed")
        self.assertEqual(other.skip_reason_display, other.skip_reason)
        steady = self._forecast(cycle, self.steady)
        self.assertEqual(steady.state, "ok")

        adjusted = self._lines(cycle, self.steady).sorted("date_month")[0]
        adjusted.write({"adjustment_qty": 5, "adjustment_reason": "promotion"})
        self._run(cycle)
        self.assertEqual(other.state, "ok")
        self._assert_complete(cycle, adjusted)

        # the engine fails again on it: its forecast and lines stay as they were
        lines_before = self._snapshot(cycle)[0]
        run_with_failing_batch()
        self.assertEqual(other.state, "ok")
        self.assertEqual(self._snapshot(cycle)[0], lines_before)
        for line in self._lines(cycle, self.other):
            self.assertAlmostEqual(line.forecast_qty, 4.0, places=1)
        self._assert_complete(cycle, adjusted)


@tagged("post_install", "-at_install")
class TestConcurrentRuns(TransactionCase):
    """Two real transactions at once, on data committed here and removed after.

    A test transaction is invisible to other connections, so these tests
    commit their own small data set (one product category, vendor, products,
    rules and cycle) and delete it in the class cleanup.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(cls._remove_committed_data)
        cls.data = {}
        with cls._cursor() as env:
            company = env.ref("base.main_company")
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
            category = env["product.category"].create({"name": "S&OP concurrency"})
            vendor = env["res.partner"].create({"name": "S&OP concurrency vendor"})
            products = env["product.product"].create(
                [
                    {
                        "name": f"Concurrent part {index}",
                        "is_storable": True,
                        "categ_id": category.id,
                        "standard_price": 5.0,
                        "seller_ids": [(0, 0, {"partner_id": vendor.id, "delay": 10})],
                    }
                    for index in range(4)
                ]
            )
            rules = env["stock.warehouse.orderpoint"].create(
                [
                    {
                        "product_id": product.id,
                        "warehouse_id": warehouse.id,
                        "location_id": warehouse.lot_stock_id.id,
                        "product_min_qty": 10.0,
                        "product_max_qty": 50.0,
                        "sop_managed": True,
                    }
                    for product in products
                ]
            )
            cycle = env["sop.cycle"].create(
                {
                    "company_id": company.id,
                    "warehouse_ids": [(6, 0, warehouse.ids)],
                    "product_category_ids": [(6, 0, category.ids)],
                }
            )
            cycle.action_start_demand_review()
            cycle.action_run_forecast()
            cls.data = {
                "company": company.id,
                "auto_rfq": company.sop_auto_rfq,
                "category": category.id,
                "vendor": vendor.id,
                "products": products.ids,
                "rules": rules.ids,
                "cycle": cycle.id,
                "line": cycle.plan_line_ids.sorted("date_month")[0].id,
            }
            company.sop_auto_rfq = True

    @classmethod
    def _cursor(cls):
        return _CommittedEnv(cls.registry)

    @classmethod
    def _remove_committed_data(cls):
        data = cls.data
        if not data:
            return
        with cls._cursor() as env:
            orders = env["purchase.order"].search([("partner_id", "=", data["vendor"])])
            orders.button_cancel()
            orders.unlink()
            env["stock.warehouse.orderpoint"].browse(data["rules"]).unlink()
            env.cr.execute("DELETE FROM sop_cycle WHERE id = %s", [data["cycle"]])
            products = env["product.product"].browse(data["products"])
            templates = products.product_tmpl_id
            products.unlink()
            templates.unlink()
            env["product.category"].browse(data["category"]).unlink()
            env["res.partner"].browse(data["vendor"]).unlink()
            env["res.company"].browse(data["company"]).sop_auto_rfq = data["auto_rfq"]

    def _replenish(self, batch_size=2):
        with self._cursor() as env:
            env["sop.reorder.proposal"]._cron_replenish(batch_size=batch_size)

    def _next_day(self):
        with self._cursor() as env:
            env["stock.warehouse.orderpoint"].browse(
                self.data["rules"]
            ).sop_date_checked = False

    def _state(self):
        """(proposal ids per rule, open RFQ quantity per rule) as committed."""
        with self._cursor() as env:
            rules = env["stock.warehouse.orderpoint"].browse(self.data["rules"])
            proposals = env["sop.reorder.proposal"].search(
                [("orderpoint_id", "in", rules.ids)]
            )
            lines = env["purchase.order.line"].search(
                [
                    ("product_id", "in", self.data["products"]),
                    ("order_id.state", "=", "draft"),
                ]
            )
            by_rule = {
                rule.id: proposals.filtered(lambda p, r=rule: p.orderpoint_id == r).ids
                for rule in rules
            }
            rfq = {
                rule.id: sum(
                    lines.filtered(
                        lambda ln, r=rule: ln.product_id == r.product_id
                    ).mapped("product_qty")
                )
                for rule in rules
            }
            return by_rule, rfq

    def _assert_ordered_once(self, rule_ids):
        by_rule, rfq = self._state()
        for rule_id in self.data["rules"]:
            if rule_id in rule_ids:
                self.assertEqual(len(by_rule[rule_id]), 1, "one proposal")
                self.assertEqual(rfq[rule_id], 50.0, "ordered once")
            else:
                self.assertEqual(by_rule[rule_id], [])
                self.assertEqual(rfq[rule_id], 0.0)
        return by_rule

    def test_1_rule_locked_by_another_transaction_is_skipped_not_doubled(self):
        rules = self.data["rules"]
        with self._cursor() as other:
            other.cr.execute(
                "SELECT id FROM stock_warehouse_orderpoint WHERE id = %s FOR UPDATE",
                [rules[0]],
            )
            self._replenish(batch_size=2)
            self._assert_ordered_once(rules[1:])
        # the lock is gone: the next run orders the skipped rule only
        self._replenish(batch_size=2)
        before = self._assert_ordered_once(rules)
        self._next_day()
        self._replenish(batch_size=2)
        self.assertEqual(self._assert_ordered_once(rules), before)

    def test_2_run_started_during_another_orders_nothing_twice(self):
        """Run B starts while run A holds the rules of its second batch.

        B runs on its own connection from inside A (one thread, so the
        interleaving is exact); a lock wait in B would fail on its
        lock_timeout instead of hanging the test.
        """
        self._next_day()
        rules = self.data["rules"]
        before_rules, before_rfq = self._state()
        Proposal = self.registry["sop.reorder.proposal"]
        original = Proposal._replenish_batch
        seen = {"calls": 0, "during": None}

        def replenish_batch(model, orderpoints):
            seen["calls"] += 1
            if seen["calls"] == 2 and seen["during"] is None:
                seen["during"] = "running"
                with self._cursor() as env:
                    env.cr.execute("SET lock_timeout = '10s'")
                    env["sop.reorder.proposal"]._cron_replenish(batch_size=2)
                    env.cr.execute("RESET lock_timeout")
                seen["during"] = self._state()
            return original(model, orderpoints)

        with patch.object(Proposal, "_replenish_batch", replenish_batch):
            self._replenish(batch_size=2)
        self.assertEqual(seen["calls"], 2, "B skipped A's locked rules")
        by_rule, rfq = seen["during"]
        # while B ran: A's first batch committed once, its second still A's
        for rule_id in rules[:2]:
            self.assertEqual((len(by_rule[rule_id]), rfq[rule_id]), (1, 50.0))
        for rule_id in rules[2:]:
            self.assertEqual(by_rule[rule_id], before_rules[rule_id], "untouched")
            self.assertEqual(rfq[rule_id], before_rfq[rule_id])
        self._assert_ordered_once(rules)

    def _stale_statistic(self, line_id):
        """Commit another statistic on the line than the engine gives, so the
        next run rewrites it (a run leaves lines whose statistics it does not
        change alone: they cannot overwrite anything)."""
        with self._cursor() as env:
            env.cr.execute(
                "UPDATE sop_plan_line SET forecast_qty = forecast_qty + 1 "
                "WHERE id = %s",
                [line_id],
            )

    def test_3_forecast_run_never_overwrites_a_planner_adjustment(self):
        line_id = self.data["line"]
        self._stale_statistic(line_id)
        # the planner saves while a forecast run is under way (older snapshot)
        with self._cursor() as run, self._cursor() as planner:
            cycle = run["sop.cycle"].browse(self.data["cycle"])
            self.assertEqual(cycle.state, "demand_review")  # run's snapshot
            planner["sop.plan.line"].browse(line_id).write(
                {"adjustment_qty": 7.0, "adjustment_reason": "promotion"}
            )
            planner.cr.commit()
            with (
                self.assertRaises(psycopg2.errors.SerializationFailure),
                mute_logger("odoo.sql_db"),
            ):
                cycle.action_run_forecast()
            run.cr.rollback()
            # Odoo retries a request that hit a serialization failure
            cycle.action_run_forecast()
        # the run commits while the planner edits (planner has the older snapshot)
        self._stale_statistic(line_id)
        with self._cursor() as run, self._cursor() as planner:
            line = planner["sop.plan.line"].browse(line_id)
            self.assertEqual(line.adjustment_qty, 7.0)  # planner's snapshot
            run["sop.cycle"].browse(self.data["cycle"]).action_run_forecast()
            run.cr.commit()
            with (
                self.assertRaises(psycopg2.errors.SerializationFailure),
                mute_logger("odoo.sql_db"),
            ):
                line.write({"adjustment_qty": 9.0})
                line.flush_recordset()
            planner.cr.rollback()
            line.invalidate_recordset()
            line.write({"adjustment_qty": 9.0})
        with self._cursor() as env:
            line = env["sop.plan.line"].browse(line_id)
            self.assertEqual(line.adjustment_qty, 9.0)
            self.assertEqual(line.consensus_qty, 9.0)
            self.assertEqual(line.adjustment_reason, "promotion")
            self.assertEqual(
                env["sop.plan.line"].search_count(
                    [("cycle_id", "=", self.data["cycle"])]
                ),
                12 * len(self.data["products"]),
            )


class _CommittedEnv:
    """Context manager: a superuser env on a real new cursor, committed on exit."""

    def __init__(self, registry):
        self.registry = registry
        self.cr = None

    def __enter__(self):
        self.cr = self.registry.cursor()
        return api.Environment(self.cr, SUPERUSER_ID, {"tracking_disable": True})

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            # other connections must see the data: a test cursor cannot do that
            self.cr.commit()  # pylint: disable=invalid-commit
        self.cr.close()
        return False
