import calendar
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import format_date, mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from ..models import sop_step_run
from ..models.sop_step_run import _frames_from_json, _frames_to_json
from .common_data import SopDataCase
from .test_step_jobs import _perform_chunk_jobs, _trapped_jobs_kept

LEDGER_FIELDS = ("actual_qty", "has_actual", "abs_error", "wape", "mase", "exception")
KPI_FIELDS = ("delivery_count", "otif", "fill_rate", "stockout_days", "excess_value")


def _values(records, names):
    return [tuple(record[name] for name in names) for record in records]


@tagged("post_install", "-at_install")
class TestAccuracyKpi(SopDataCase):
    """Accuracy ledger, KPI snapshots and exception lists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._product("Ledger P1", standard_price=10.0)
        cls.p2 = cls._product("Ledger P2", standard_price=10.0)
        cls.Ledger = cls.env["sop.accuracy.line"]

    def _cycle_with_plan(self, plan, start):
        """Cycle in demand review; ``plan``: {product: [(offset, stat, adj)]}."""
        cycle = self._new_cycle(
            date_month=self._month(start),
            warehouse_ids=[(6, 0, self.warehouse.ids)],
            product_category_ids=[(6, 0, self.category.ids)],
        )
        cycle.action_start_demand_review()
        lines = self.env["sop.plan.line"]
        for product, months in plan.items():
            forecast = self.env["sop.forecast"].create(
                {
                    "cycle_id": cycle.id,
                    "company_id": cycle.company_id.id,
                    "product_id": product.id,
                    "warehouse_id": self.warehouse.id,
                    "abc": "A" if product == self.p1 else "C",
                }
            )
            for offset, stat, adjustment in months:
                line = lines.create(
                    {
                        "cycle_id": cycle.id,
                        "forecast_id": forecast.id,
                        "company_id": cycle.company_id.id,
                        "product_id": product.id,
                        "warehouse_id": self.warehouse.id,
                        "date_month": self._month(offset),
                        "forecast_qty": stat,
                    }
                )
                if adjustment:
                    line.with_user(self.planner).write(
                        {"adjustment_qty": adjustment, "adjustment_reason": "customer"}
                    )
                lines |= line
        return cycle, lines

    def _approve(self, cycle):
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()

    def _ledger_case(self):
        """Cycle 3 months ago, approved; P1 sold 100 / 80 / 140, P2 40 / 0 / 0."""
        months = range(-3, 3)
        plan = {
            self.p1: [(m, 100.0, 20.0 if m == -2 else 0.0) for m in months],
            self.p2: [(m, 50.0, 0.0) for m in months],
        }
        cycle, lines = self._cycle_with_plan(plan, -3)
        # history before the cycle: one sale of 100 five months ago (MASE scale)
        self._sale(self.p1, 100.0, self._month(-5) + timedelta(days=14))
        self._approve(cycle)
        for offset, qty in ((-3, 100.0), (-2, 80.0), (-1, 140.0)):
            self._sale(self.p1, qty, self._month(offset) + timedelta(days=14))
        self._sale(self.p2, 40.0, self._month(-3) + timedelta(days=14))
        self.Ledger.with_user(self.planner).action_update_actuals()
        return cycle, lines

    def _ratios(self, domain, groupby=()):
        return self.Ledger._read_group(
            domain, groupby, ["wape:sum", "bias:sum", "fva:sum", "mase:sum"]
        )

    def test_ledger_accuracy_on_frozen_forecast(self):
        cycle, _lines = self._ledger_case()
        rows = cycle.accuracy_line_ids
        self.assertEqual(len(rows), 12, "2 products x 6 months frozen")
        self.assertEqual(len(rows.filtered("has_actual")), 6, "3 past months measured")
        adjusted = rows.filtered("adjusted_by_id")
        self.assertEqual(adjusted.adjusted_by_id, self.planner)
        self.assertEqual(adjusted.consensus_qty, 120.0)
        self.assertEqual(set(rows.mapped("categ_id")), {self.category})
        self.assertEqual(cycle.accuracy_line_count, 12)
        self.assertEqual(
            cycle.action_open_accuracy()["domain"], [("cycle_id", "=", cycle.id)]
        )
        # by hand: |errors| 0+40+40 (P1) + 10+50+50 (P2) = 190 over actuals 360;
        # errors 0+40-40+10+50+50 = 110; statistical |errors| 170
        ((wape, bias, fva, _mase),) = self._ratios([("cycle_id", "=", cycle.id)])
        self.assertAlmostEqual(wape, 100 * 190 / 360)
        self.assertAlmostEqual(bias, 100 * 110 / 360)
        self.assertAlmostEqual(fva, 100 * (170 - 190) / 360)
        # the pivot's web call gets the same grouped ratio
        ((web,),) = self.Ledger.formatted_read_grouping_sets(
            [("cycle_id", "=", cycle.id)], [[]], ["wape:sum"]
        )
        self.assertAlmostEqual(web["wape:sum"], 100 * 190 / 360)
        by_product = {
            product: values
            for product, *values in self._ratios(
                [("cycle_id", "=", cycle.id)], ["product_id"]
            )
        }
        wape1, bias1, _fva1, mase1 = by_product[self.p1]
        self.assertAlmostEqual(wape1, 100 * 80 / 320)
        self.assertAlmostEqual(bias1, 0.0)
        # MASE: mean |error| 80/3 over the in-sample MAE of the history from
        # the first sale on, as the forecast engine scales it: 100 then 0
        # before the cycle, too short for the seasonal naive: naive MAE 100
        self.assertAlmostEqual(mase1, (80 / 3) / 100)
        self.assertFalse(by_product[self.p2][3], "no history: no MASE")
        # the planner's adjustment made month -2 worse: FVA -20 / 80
        ((planner, fva_planner),) = self.Ledger._read_group(
            [("cycle_id", "=", cycle.id), ("adjusted_by_id", "!=", False)],
            ["adjusted_by_id"],
            ["fva:sum"],
        )
        self.assertEqual(planner, self.planner)
        self.assertAlmostEqual(fva_planner, -25.0)
        # monthly trend: month -2 measured 40 + 50 over 80
        ((trend,),) = self.env["sop.accuracy.month"]._read_group(
            [
                ("company_id", "=", self.company_a.id),
                ("date_month", "=", self._month(-2)),
            ],
            [],
            ["wape:sum"],
        )
        self.assertAlmostEqual(trend, 100 * 90 / 80)

    def test_the_ledger_counts_a_month_once_by_default(self):
        """Two approved plans covered months -2 and -1: each froze its rows,
        and the ledger summed both (an actual twice its sales). Its default
        filter keeps the latest plan of each month, as the monthly trend."""
        first, _lines = self._ledger_case()
        plan = {
            product: [(m, 90.0, 0.0) for m in range(-2, 3)]
            for product in (self.p1, self.p2)
        }
        second, _lines = self._cycle_with_plan(plan, -2)
        self._approve(second)
        self.Ledger.with_user(self.planner).action_update_actuals()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sop_planning.sop_accuracy_line_action"
        )
        self.assertEqual(safe_eval(action["context"])["search_default_latest"], 1)
        measured = [("has_actual", "=", True)]
        everything = self.Ledger._read_group(measured, [], ["measured_qty:sum"])
        latest = self.Ledger._read_group(
            [*measured, ("is_latest", "=", True)], [], ["measured_qty:sum"]
        )
        # sales: P1 100 + 80 + 140, P2 40
        self.assertEqual(latest[0][0], 360.0)
        self.assertEqual(everything[0][0], 360.0 + 80.0 + 140.0)
        rows = self.Ledger.search([*measured, ("is_latest", "=", True)])
        self.assertEqual(len(rows), 6, "2 products x 3 months, once each")
        self.assertEqual(
            rows.filtered(lambda r: r.date_month >= self._month(-2)).cycle_id, second
        )
        self.assertEqual(
            rows.filtered(lambda r: r.date_month < self._month(-2)).cycle_id, first
        )

    def test_ledger_frozen_when_plan_lines_change(self):
        cycle, lines = self._ledger_case()
        before = cycle.accuracy_line_ids.read(["statistical_qty", "consensus_qty"])
        # the UI forbids it; a change behind its back must not reach the ledger
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sop_plan_line SET forecast_qty = 999, consensus_qty = 999 "
            "WHERE id = ANY(%s)",
            [lines.ids],
        )
        self.env.invalidate_all()
        self.Ledger._update_actuals(self.company_a)
        self.assertEqual(
            cycle.accuracy_line_ids.read(["statistical_qty", "consensus_qty"]), before
        )

    def test_forecast_exception_filters(self):
        cycle, _lines = self._ledger_case()
        action = self.env.ref("sop_planning.sop_accuracy_line_action_too_low")
        self.assertIn("search_default_too_low", action.context)
        too_low = self.Ledger.search(
            [("cycle_id", "=", cycle.id), ("exception", "=", "too_low")]
        )
        self.assertEqual(
            [(r.product_id, r.date_month) for r in too_low],
            [(self.p1, self._month(-1))],
            "140 sold against 100 planned: 40 % above, beyond the 30 % tolerance",
        )
        too_high = self.Ledger.search(
            [("cycle_id", "=", cycle.id), ("exception", "=", "too_high")]
        )
        self.assertEqual(len(too_high), 3, "P1 month -2 (-33 %), P2 months -2, -1")

    def test_stockout_before_receipt(self):
        plan = {self.p1: [(m, 10.0, 0.0) for m in range(5)]}
        cycle, lines = self._cycle_with_plan(plan, 0)
        # on hand, incoming, shortage (short within the vendor lead time)
        projection = [
            (10.0, 0.0, False),
            (-5.0, 0.0, True),
            (-8.0, 0.0, False),
            (20.0, 30.0, False),
            (-3.0, 0.0, True),
        ]
        for line, (on_hand, incoming, shortage) in zip(lines, projection, strict=True):
            line.write(
                {
                    "projected_on_hand": on_hand,
                    "incoming_qty": incoming,
                    "is_shortage": shortage,
                }
            )
        flagged = self.env["sop.plan.line"].search(
            [("cycle_id", "=", cycle.id), ("stockout_before_receipt", "=", True)]
        )
        self.assertEqual(
            flagged,
            lines[1],
            "month 3 is beyond the lead time (the rules can still order), "
            "month 5 comes after a receipt",
        )

    def test_abc_pareto_cumulative_share(self):
        plan = {self.p1: [(0, 30.0, 0.0)], self.p2: [(0, 10.0, 0.0)]}
        cycle, lines = self._cycle_with_plan(plan, 0)
        lines.write({"price_unit": 10.0})
        self.env.flush_all()
        rows = self.env["sop.abc.report"].search([("cycle_id", "=", cycle.id)])
        self.assertEqual(
            [(r.product_id, r.rank, r.share, r.cumulative_share) for r in rows],
            [(self.p1, 1, 75.0, 75.0), (self.p2, 2, 25.0, 100.0)],
        )

    # ------------------------------------------------------------------
    # KPIs
    # ------------------------------------------------------------------
    def _deliver(self, qty, shipped, promised, done):
        order = self._sale(self.p1, qty, promised - timedelta(days=20), keep=True)
        order.commitment_date = datetime.combine(promised, datetime.min.time())
        picking = order.picking_ids
        picking.move_ids.write({"quantity": shipped, "picked": True})
        picking._action_done()
        when = datetime.combine(done, datetime.min.time()).replace(hour=10)
        picking.date_done = when
        picking.move_ids.filtered(lambda m: m.state == "done").write({"date": when})
        return picking

    def test_kpi_snapshot_on_hand_built_deliveries(self):
        month = self._month(-1)
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.p1.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": 10.0,
                "product_max_qty": 50.0,
            }
        )
        promised = month + timedelta(days=9)
        self._deliver(10.0, 10.0, promised, month + timedelta(days=7))  # on time
        self._deliver(10.0, 10.0, promised, month + timedelta(days=14))  # late
        self._deliver(10.0, 6.0, promised, month + timedelta(days=4))  # partial
        # P2 was sold but never in stock: out of stock all month
        self._sale(self.p2, 5.0, month + timedelta(days=3))
        snapshot = self.env["sop.kpi.snapshot"]._compute_month(self.company_a, month)
        snapshot = snapshot.filtered(lambda s: s.warehouse_id == self.warehouse)
        self.assertEqual(snapshot.delivery_count, 3)
        self.assertEqual(snapshot.otif_count, 1)
        self.assertAlmostEqual(snapshot.otif, 100 / 3)
        # due 30 on the 10th: 10 on time, the late 10 and the 4 waiting are not
        self.assertAlmostEqual(snapshot.fill_rate, 100 * 16 / 30)
        days = calendar.monthrange(month.year, month.month)[1]
        self.assertEqual(snapshot.stockout_days, days)
        self.assertEqual(snapshot.stockout_products, 1)
        # 100 - 26 = 74 left, 24 above the max of 50, at 10
        self.assertAlmostEqual(snapshot.excess_value, 240.0)
        # stock 100 on days 1-4, 94 on 5-7, 84 on 8-14, 74 after; COGS 26 x 10
        value_days = 10 * (4 * 100 + 3 * 94 + 7 * 84 + (days - 14) * 74)
        self.assertAlmostEqual(snapshot.turns, 365 * 260 / value_days)
        ((otif,),) = self.env["sop.kpi.snapshot"]._read_group(
            [("date_month", "=", month), ("company_id", "=", self.company_a.id)],
            [],
            ["otif:sum"],
        )
        self.assertAlmostEqual(otif, 100 / 3, msg="grouped OTIF is a ratio")

    def test_other_company_invisible(self):
        month = self._month(-1)
        Snapshot = self.env["sop.kpi.snapshot"]
        Snapshot._compute_month(self.company_a, month)
        Snapshot._compute_month(self.company_b, month)
        self.assertEqual(
            Snapshot.with_user(self.planner).search([]).company_id, self.company_a
        )
        self.assertEqual(
            Snapshot.with_user(self.planner_b).search([]).company_id, self.company_b
        )
        self.assertFalse(
            self.Ledger.with_user(self.planner_b).search(
                [("company_id", "=", self.company_a.id)]
            )
        )

    # ------------------------------------------------------------------
    # Actuals and KPI snapshots as steps of the company (background jobs)
    # ------------------------------------------------------------------
    def _run_company_step_by_jobs(self, step, start):
        """``start()`` as the planner with one product per chunk; perform the
        jobs, one chunk twice; return the run."""
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        Run = self.env["sop.step.run"]
        with patch.object(sop_step_run, "CHUNK_SIZE", 1), trap_jobs() as trap:
            action = start()
            self.assertEqual(action["tag"], "display_notification")
            run = Run.search([("step", "=", step)], limit=1)
            self.assertEqual((run.mode, run.state), ("jobs", "running"))
            self.assertEqual(run.company_id, self.company_a)
            self.assertIn("preparing", run.progress)
            with self.assertRaisesRegex(UserError, "busy"), _trapped_jobs_kept():
                start()
            trap.perform_enqueued_jobs()  # prepare: one chunk per product
            self.assertEqual(len(run.chunk_ids), 2)
            chunk_jobs = _perform_chunk_jobs(self, trap)
            self.assertIn("2 / 2 chunks", run.progress)
            # a chunk whose commit was lost runs again and doubles nothing
            chunk_jobs[0].recordset.sudo().state = "pending"
            chunk_jobs[0].perform()
            trap.perform_enqueued_jobs()  # finalize
        self.assertEqual(run.state, "done")
        return run

    def test_actuals_by_jobs_as_in_the_request(self):
        cycle, _lines = self._ledger_case()  # measured in the request
        rows = cycle.accuracy_line_ids
        inline = rows.read(LEDGER_FIELDS)
        Month = self.env["sop.accuracy.month"]
        months = _values(Month.search([]), ("date_month", "wape", "bias"))
        self.assertTrue(any(row["has_actual"] for row in inline))
        # a month's row reads as its month (and category, planner)
        row = Month.search([], limit=1)
        self.assertTrue(
            row.display_name.startswith(
                format_date(self.env, row.date_month, date_format="MMM yyyy")
            ),
            row.display_name,
        )
        rows.sudo().write(
            {"actual_qty": 0, "has_actual": False, "wape": 0, "abs_error": 0}
        )
        Month.search([]).unlink()
        ledger = self.Ledger.with_user(self.planner)
        self._run_company_step_by_jobs("actuals", ledger.action_update_actuals)
        self.assertEqual(rows.read(LEDGER_FIELDS), inline)
        self.assertEqual(
            _values(Month.search([]), ("date_month", "wape", "bias")), months
        )

    def test_kpis_by_jobs_as_in_the_request(self):
        month = self._month(-1)
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        self._deliver(10.0, 6.0, month + timedelta(days=9), month + timedelta(days=4))
        self._sale(self.p2, 5.0, month + timedelta(days=3))  # never in stock
        Snapshot = self.env["sop.kpi.snapshot"]
        inline = _values(Snapshot._compute_month(self.company_a, month), KPI_FIELDS)
        self.assertTrue(any(row[3] for row in inline), "stockout days")
        Snapshot.search([]).unlink()
        self._run_company_step_by_jobs(
            "kpis",
            lambda: (
                self.env["sop.step.run"]
                .with_user(self.planner)
                ._sop_start_company_step(
                    "kpis", self.company_a, {"months": [str(month)]}
                )
            ),
        )
        by_jobs = Snapshot.search([("date_month", "=", month)])
        self.assertEqual(_values(by_jobs, KPI_FIELDS), inline)

    def test_kpi_chunks_after_midnight_count_the_days_of_their_prepare(self):
        month = self._month(-1)
        self._sale(self.p2, 5.0, month + timedelta(days=3))  # never in stock
        Snapshot = self.env["sop.kpi.snapshot"].with_company(self.company_a)

        def on_day(day):
            return patch.object(fields.Date, "context_today", lambda *_a, **_k: day)

        with on_day(month + timedelta(days=9)):  # the month is being counted
            inline = _values(Snapshot._compute_month(self.company_a, month), KPI_FIELDS)
            product_ids, frames, info = Snapshot._kpis_prepare([str(month)])
        self.assertTrue(any(row[3] for row in inline), "stockout days")
        frames = _frames_from_json(_frames_to_json(frames))  # as a chunk job reads
        with on_day(month + timedelta(days=10)):  # the chunks run the next day
            counts = Snapshot._kpis_chunk(product_ids, frames)
            by_jobs = Snapshot._kpis_finalize(counts, info)
        self.assertEqual(_values(by_jobs, KPI_FIELDS), inline)

    def test_run_with_nothing_left_to_do_finishes(self):
        """Rows measured between the click and the prepare job leave no
        chunk: the run still finishes."""
        self._ledger_case()
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        ledger = type(self.Ledger)
        with (
            patch.object(ledger, "_actuals_prepare", lambda _self: ([], {}, {})),
            trap_jobs() as trap,
        ):
            self.Ledger.with_user(self.planner).action_update_actuals()
            trap.perform_enqueued_jobs()  # prepare: no chunk
            trap.perform_enqueued_jobs()  # finalize
        run = self.env["sop.step.run"].search([("step", "=", "actuals")], limit=1)
        self.assertEqual((run.mode, run.state), ("jobs", "done"))

    def test_only_planners_start_actuals_and_kpis(self):
        Run = self.env["sop.step.run"].with_user(self.sop_user)
        with trap_jobs() as trap:
            with self.assertRaises(AccessError):
                self.Ledger.with_user(self.sop_user).action_update_actuals()
            with self.assertRaises(AccessError):
                self.env["sop.kpi.snapshot"].with_user(
                    self.sop_user
                ).action_compute_snapshots()
            for step in ("actuals", "kpis"):
                with self.assertRaises(AccessError):
                    Run._sop_start_company_step(step, self.company_a, {})
            trap.assert_jobs_count(0)
        self.assertFalse(self.env["sop.step.run"].search([]))

    # ------------------------------------------------------------------
    # Sizes, crons that find the step running or nothing to do
    # ------------------------------------------------------------------
    def test_sizes_counted_without_the_prepare(self):
        """The button counts the products in one query; the prepare (whole
        catalogue, frames) runs only in the job."""
        month = self._month(-1)
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        self._sale(self.p2, 5.0, month + timedelta(days=3))  # sold, never moved
        Snapshot = self.env["sop.kpi.snapshot"].with_company(self.company_a)
        months = [str(month), str(self.this_month)]
        products = Snapshot._kpis_prepare(months)[0]
        self.assertEqual(products, sorted((self.p1 | self.p2).ids))
        self.assertEqual(Snapshot._kpis_size(months), 2)
        self.assertEqual(Snapshot._kpis_size(months, limit=1), 1)
        self._ledger_case()
        Ledger = self.Ledger.with_company(self.company_a)
        self.assertEqual(Ledger._actuals_size(), len(Ledger._actuals_prepare()[0]))
        self.assertEqual(Ledger._actuals_size(limit=1), 1)
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 1
        )

        def no_prepare(*_args, **_kwargs):
            raise AssertionError("the prepare ran in the request")

        with (
            patch.object(type(Snapshot), "_kpis_prepare", no_prepare),
            patch.object(type(Ledger), "_actuals_prepare", no_prepare),
            trap_jobs() as trap,
        ):
            action = (
                self.env["sop.step.run"]
                .with_user(self.planner)
                ._sop_start_company_step("kpis", self.company_a, {"months": months})
            )
            self.assertIn("more than 1 products", action["params"]["message"])
            self.Ledger.with_user(self.planner).action_update_actuals()
            trap.assert_jobs_count(2)

    def _cron(self, method):
        """Run the cron ``method`` of every company in this transaction."""
        cron = type(self.env["ir.cron"])
        with patch.object(cron, "_commit_progress", lambda *_a, **_k: 0.0):
            method()

    def test_cron_of_a_busy_company_runs_when_the_step_ends(self):
        """The monthly KPI cron finds a planner's run: a job computes its
        month once that run ends, instead of skipping it."""
        month = self._month(-1)
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        self._sale(self.p2, 5.0, month + timedelta(days=3))
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        Run = self.env["sop.step.run"]
        Snapshot = self.env["sop.kpi.snapshot"]
        with trap_jobs() as trap, _trapped_jobs_kept():
            Run.with_user(self.planner)._sop_start_company_step(
                "kpis", self.company_a, {"months": [str(self.this_month)]}
            )
            planner_run = Run.search([("step", "=", "kpis")])
            self._cron(Snapshot._cron_compute_snapshots)
            [waiting] = [
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_sop_job_start_company_step"
            ]
            trap.enqueued_jobs.remove(waiting)
            with self.assertRaises(RetryableJobError):
                waiting.perform()  # the planner's run still runs
            trap.perform_enqueued_jobs()  # prepare
            trap.perform_enqueued_jobs()  # chunks, finalize
            self.assertEqual(planner_run.state, "done")
            self.assertFalse(Snapshot.search([("date_month", "=", month)]))
            waiting.perform()
            cron_run = Run.search([("step", "=", "kpis")], limit=1)
            self.assertNotEqual(cron_run, planner_run)
            self.assertEqual(cron_run.params, {"months": [str(month)]})
            trap.perform_enqueued_jobs()  # prepare
            trap.perform_enqueued_jobs()  # chunks, finalize
        self.assertEqual(cron_run.state, "done")
        snapshot = Snapshot.search(
            [("date_month", "=", month), ("warehouse_id", "=", self.warehouse.id)]
        )
        self.assertGreater(snapshot.stockout_days, 0)

    def test_cron_racing_a_click_waits_too(self):
        """A planner's run started between the cron's check and its start:
        the unique index refuses the cron's run, which waits as if found busy."""
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        Run = self.env["sop.step.run"]
        with trap_jobs() as trap, _trapped_jobs_kept():
            Run.with_user(self.planner)._sop_start_company_step(
                "kpis", self.company_a, {"months": [str(self.this_month)]}
            )
            with (
                patch.object(
                    type(Run), "_sop_running_company_step", lambda *_a: Run.browse()
                ),
                mute_logger("odoo.sql_db"),  # the refused INSERT
            ):
                self._cron(self.env["sop.kpi.snapshot"]._cron_compute_snapshots)
            waiting = [
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_sop_job_start_company_step"
            ]
        self.assertEqual(len(waiting), 1)
        self.assertEqual(len(Run.search([("step", "=", "kpis")])), 1)

    def test_kpis_of_deliveries_without_stocked_products_are_not_skipped(self):
        """Deliveries of products not stocked: no product to chunk, but the
        cron still counts them (OTIF)."""
        month = self._month(-1)
        service = self._product("Not stocked", is_storable=False)
        order = self._sale(service, 3.0, month, keep=True)
        picking = order.picking_ids
        picking.move_ids.write({"quantity": 3.0, "picked": True})
        picking._action_done()
        picking.date_done = datetime.combine(
            month + timedelta(days=5), datetime.min.time()
        )
        Snapshot = self.env["sop.kpi.snapshot"]
        self.assertEqual(
            Snapshot.with_company(self.company_a)._kpis_size([str(month)]), 1
        )
        self._cron(Snapshot._cron_compute_snapshots)
        snapshot = Snapshot.search(
            [("date_month", "=", month), ("warehouse_id", "=", self.warehouse.id)]
        )
        self.assertEqual(snapshot.delivery_count, 1)

    def test_click_for_two_companies_tells_each(self):
        """One company computed in the request, the other with nothing to do:
        one notice names both, then the page reloads."""
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        companies = (self.company_a | self.company_b).ids
        action = (
            self.env["sop.kpi.snapshot"]
            .with_user(self.sop_admin)
            .with_context(allowed_company_ids=companies)
            .action_compute_snapshots()
        )
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
        self.assertIn(
            f"{self.company_b.name}: KPI snapshots: nothing to do",
            action["params"]["message"],
        )
        self.assertTrue(
            self.env["sop.kpi.snapshot"].search(
                [("company_id", "=", self.company_a.id)]
            )
        )

    def test_cron_with_nothing_to_do_leaves_no_run(self):
        """Company B has no sale and no move, company A no ledger: the crons
        make no run; a planner's click is told there is nothing to do."""
        self._done_move(self.p1, self.suppliers, self.stock, 100.0, self._month(-2))
        Run = self.env["sop.step.run"]
        with patch.object(sop_step_run._logger, "info") as log:
            self._cron(self.env["sop.kpi.snapshot"]._cron_compute_snapshots)
            self._cron(self.Ledger._cron_update_actuals)
        self.assertEqual(Run.search([]).mapped("company_id"), self.company_a)
        self.assertEqual(Run.search([]).step, "kpis")
        logged = [call.args[0] % call.args[1:] for call in log.call_args_list]
        self.assertEqual(sum("nothing to do" in line for line in logged), 3, logged)
        for action in (
            self.env["sop.kpi.snapshot"]
            .with_user(self.planner_b)
            .action_compute_snapshots(),
            self.Ledger.with_user(self.planner).action_update_actuals(),
        ):
            self.assertEqual(action["tag"], "display_notification")
            self.assertIn("nothing to do", action["params"]["message"])
        self.assertEqual(len(Run.search([])), 1)
