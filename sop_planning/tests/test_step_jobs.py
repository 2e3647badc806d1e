from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError, OperationalError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from ..models import sop_step_run
from .common_data import SopDataCase
from .common_policy import SopPolicyCase

FORECAST_FIELDS = ("state", "model", "abc", "xyz", "pattern", "wape", "sigma")
LINE_FIELDS = ("forecast_qty", "lower_qty", "upper_qty", "history_qty", "sigma_cum")


def _trapped_jobs_kept():
    """Jobs trapped by ``trap_jobs`` are not stored in the queue: don't take
    their runs for interrupted ones (the cron's test stores its jobs)."""
    return patch.object(
        sop_step_run.SopStepRun, "_sop_check_interrupted", lambda runs: None
    )


def _assert_step_refused(case, cycle, user, button, step):
    """``user`` can start ``step`` of ``cycle`` neither by its ``button`` nor
    by the step machinery, even as jobs: nothing is enqueued, no run made."""
    case.env["ir.config_parameter"].sudo().set_param(sop_step_run.THRESHOLD_PARAM, 0)
    with trap_jobs() as trap:
        with case.assertRaises(AccessError):
            getattr(cycle.with_user(user), button)()
        with case.assertRaises(AccessError):
            cycle.with_user(user)._sop_run_step(step)
        trap.assert_jobs_count(0)
    case.assertNotIn(step, cycle.step_run_ids.mapped("step"))


def _perform_chunk_jobs(case, trap):
    """Perform the trapped chunk jobs, each on the ``root.sop`` channel;
    return them."""
    chunk_jobs = [
        job for job in trap.enqueued_jobs if job.recordset._name == "sop.step.chunk"
    ]
    for job in chunk_jobs:
        case.assertEqual(job.channel, "root.sop")
        job.perform()
    return chunk_jobs


@tagged("post_install", "-at_install")
class TestStepJobs(SopDataCase):
    """Long steps as queue_job jobs: chunks, retries, refusals, equal results."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # bought from a vendor: the supply review plans receipts for them
        seller = {"partner_id": cls.vendor.id, "delay": 7, "price": 5.0}
        cls.products = [
            cls._product(f"Item {n}", seller_ids=[Command.create(seller)])
            for n in range(5)
        ]
        cls._monthly_sales({p: 3 + 4 * n for n, p in enumerate(cls.products[:4])})
        # products[4] never sold: a "no history" item in the last chunk

    def setUp(self):
        super().setUp()
        # two products per chunk: 3 chunks for the 5 products
        patcher = patch.object(sop_step_run, "CHUNK_SIZE", 2)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _cycle(self):
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        return cycle

    def _use_jobs(self, threshold=0):
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, threshold
        )

    def _snapshot(self, cycle):
        forecasts = {
            (f.product_id.id, f.warehouse_id.id): tuple(f[n] for n in FORECAST_FIELDS)
            for f in cycle.forecast_ids
        }
        lines = {
            (line.product_id.id, line.warehouse_id.id, line.date_month): tuple(
                line[n] for n in LINE_FIELDS
            )
            for line in cycle.plan_line_ids
        }
        return forecasts, lines

    def _run_jobs(self, cycle):
        """Click Run Forecast, then perform the prepare, chunk, finalize jobs."""
        planned = cycle.forecast_ids
        with trap_jobs() as trap:
            action = cycle.action_run_forecast()
            self.assertEqual(action["tag"], "display_notification")
            trap.assert_jobs_count(1)
            run = cycle.step_run_ids.sorted("id")[-1]
            # named by step and cycle on queue_job's screens
            self.assertEqual(run.display_name, f"Forecast run, {cycle.name}")
            trap.assert_enqueued_job(
                run._sop_job_prepare,
                properties={
                    "channel": "root.sop",
                    "identity_key": f"sop.step.run:{run.id}:prepare",
                    "description": f"Forecast run, {cycle.name}: prepare",
                },
            )
            self.assertEqual(cycle.forecast_ids, planned, "the button only enqueues")
            self.assertTrue(cycle.step_running)
            trap.perform_enqueued_jobs()  # prepare: enqueues 3 chunks + finalize
            self.assertEqual(len(run.chunk_ids), 3)
            trap.assert_jobs_count(3 + 1)
            for chunk in run.chunk_ids:
                trap.assert_enqueued_job(
                    chunk._sop_job_run_chunk, properties={"channel": "root.sop"}
                )
            trap.perform_enqueued_jobs()
        return run

    def _failing_forecast_chunk(self, bad, error, after_writing=False):
        """A patch: the forecast chunks holding ``bad`` raise ``error``,
        before their writes or (``after_writing``) after them."""
        cycle_class = type(self.env["sop.cycle"])
        original = cycle_class._forecast_chunk

        def failing(cycle, product_ids, frames):
            if bad.id in product_ids and not after_writing:
                raise error
            result = original(cycle, product_ids, frames)
            if bad.id in product_ids:
                raise error
            return result

        return patch.object(cycle_class, "_forecast_chunk", failing)

    def test_jobs_give_the_inline_forecasts_and_lines(self):
        self._use_jobs()
        cycle = self._cycle()
        users = type(self.env["res.users"])
        with patch.object(users, "_bus_send", autospec=True) as send:
            run = self._run_jobs(cycle)
        # the planner is told on the bus that the run ended
        send.assert_called_once()
        user, kind, message = send.call_args.args
        self.assertEqual((user, kind), (self.planner, "simple_notification"))
        self.assertIn("Forecast run done", message["message"])
        self.assertEqual(run.state, "done")
        self.assertEqual(run.mode, "jobs")
        self.assertEqual(run.chunk_done_count, 3)
        self.assertEqual(run.product_done_count, 5)
        self.assertTrue(cycle.date_forecast)
        self.assertFalse(cycle.step_running)
        self.assertIn("Forecast run done", cycle.step_progress)
        # another company's planner sees neither the run nor its chunks
        for model in ("sop.step.run", "sop.step.chunk"):
            self.assertFalse(self.env[model].with_user(self.planner_b).search([]))
        by_jobs = self._snapshot(cycle)
        self.assertEqual(len(by_jobs[0]), 5)
        # the never-sold product's reason kept its words through the chunk
        unsold = cycle.forecast_ids.filtered(lambda f: f.product_id == self.products[4])
        self.assertEqual(unsold.sudo().skip_words, {"code": "no_history", "values": {}})
        self.assertEqual(len(by_jobs[1]), 5 * 12)

        # the same cycle planned again from scratch, inline
        cycle.plan_line_ids.sudo().unlink()
        cycle.forecast_ids.sudo().unlink()
        self._use_jobs(threshold=2000)
        cycle.action_run_forecast()
        inline = cycle.step_run_ids.sorted("id")[-1]
        self.assertEqual((inline.mode, inline.state), ("inline", "done"))
        self.assertEqual(self._snapshot(cycle), by_jobs)

    def test_a_threshold_typed_by_hand_is_read_or_replaced(self):
        """The system parameter typed "2 000", as text or below zero: the
        steps still run (they raised ValueError), and Settings refuses a
        number of products below zero."""
        StepRun = self.env["sop.step.run"]
        for typed, read in (
            ("2 000", 2000),
            ("0", 0),
            ("lots", sop_step_run.DEFAULT_THRESHOLD),
            ("-1", sop_step_run.DEFAULT_THRESHOLD),
        ):
            self._use_jobs(typed)
            with self.subTest(typed=typed), mute_logger(sop_step_run.__name__):
                self.assertEqual(StepRun._sop_threshold(), read)
        with self.assertRaisesRegex(ValidationError, "0 or more"):
            self.env["res.config.settings"].create({"sop_job_product_threshold": -1})

    def test_failing_chunk_is_retried_then_reported_others_kept(self):
        self._use_jobs()
        cycle = self._cycle()
        bad = self.products[2]
        # the server's error, not the product's
        failing = self._failing_forecast_chunk(bad, OperationalError("disk full"))
        with failing, trap_jobs() as trap:
            cycle.action_run_forecast()
            trap.perform_enqueued_jobs()  # prepare
            run = cycle.step_run_ids
            jobs, trap.enqueued_jobs = trap.enqueued_jobs, []
            failing = [
                job
                for job in jobs
                if job.recordset._name == "sop.step.chunk"
                and bad.id in job.recordset.product_ids
            ]
            self.assertEqual(len(failing), 1)
            job = failing[0]
            self.assertEqual(job.max_retries, sop_step_run.MAX_RETRIES)
            # queue_job's runner: retried while tries are left, then failed
            for _try in range(job.max_retries - 1):
                with self.assertRaises(RetryableJobError):
                    job.perform()
            with self.assertRaises(FailedJobError):
                job.perform()
            job.on_fail({"exc_name": "OperationalError", "exc_message": "disk full"})
            # the other chunks; the finalize never runs: one of its
            # dependencies failed
            for other in jobs:
                if other is not job and other.recordset != run:
                    other.perform()
        chunk = job.recordset
        self.assertEqual(chunk.state, "failed")
        self.assertIn(bad.display_name, chunk.error)
        self.assertIn("disk full", chunk.error)
        self.assertEqual(run.state, "failed")
        self.assertIn("disk full", run.error)
        self.assertIn("failed", cycle.message_ids[0].body)
        # queue_job's Requeue of the failed chunk: told to start the step
        # again, not marked done without work; the chunk's report is kept
        error = chunk.error
        with self.assertRaisesRegex(UserError, "start Forecast run again from S&OP/"):
            chunk._sop_job_run_chunk()
        chunk._sop_on_job_failed(exc_name="UserError", exc_message="requeued")
        self.assertEqual((chunk.state, chunk.error), ("failed", error))
        # the other chunks kept their work; the cycle did not move on
        planned = cycle.forecast_ids.product_id
        self.assertEqual(len(planned), 3)
        self.assertNotIn(bad, planned)
        self.assertFalse(cycle.date_forecast)
        # the plan is not handed on with a product on its former figures
        with self.assertRaisesRegex(UserError, "the last Forecast run failed"):
            cycle.action_submit_supply_review()
        # a new click is allowed and completes the plan
        self._run_jobs(cycle)
        self.assertEqual(len(cycle.forecast_ids), 5)
        cycle.action_submit_supply_review()
        self.assertEqual(cycle.state, "supply_review")

    def test_a_product_failing_alone_is_skipped_its_chunk_kept(self):
        """One product's data makes its chunk raise: the chunk is halved to
        find it; it alone is skipped, named with the reason on the cycle, and
        the product sharing its chunk is forecast; the run is done."""
        self._use_jobs()
        cycle = self._cycle()
        bad = self.products[2]
        error = ValueError("Unit of measure Box of 6 has no rounding")
        with self._failing_forecast_chunk(bad, error, after_writing=True):
            run = self._run_jobs(cycle)
        self.assertEqual(run.state, "done")
        chunk = run.chunk_ids.filtered(lambda c: bad.id in c.product_ids)
        self.assertEqual(chunk.state, "done")
        self.assertEqual(
            chunk.skipped, {str(bad.id): "Unit of measure Box of 6 has no rounding"}
        )
        self.assertEqual(
            cycle.forecast_ids.product_id,
            self.env["product.product"].concat(*(p for p in self.products if p != bad)),
        )
        notes = cycle.message_ids.mapped("body")
        self.assertTrue(
            any(
                "1 product(s) skipped" in body
                and bad.display_name in body
                and "Box of 6 has no rounding" in body
                for body in notes
            ),
            notes,
        )
        self.assertTrue(cycle.date_forecast)
        cycle.action_submit_supply_review()
        self.assertEqual(cycle.state, "supply_review")

    def test_an_error_of_every_product_is_the_users(self):
        """Every product raises the same refusal: it is not a product's
        fault, so no product is skipped and the user gets the refusal."""
        cycle = self._cycle()
        cycle_class = type(self.env["sop.cycle"])

        def refused(cycle, product_ids, frames):
            reason = "The plan's currency has no rate today."  # a module's refusal
            raise UserError(reason)

        with (
            patch.object(cycle_class, "_forecast_chunk", refused),
            self.assertRaisesRegex(UserError, "no rate today"),
        ):
            cycle.action_run_forecast()

    def test_failing_prepare_is_retried_then_reported(self):
        """A server error (a lost connection) is tried again, then reported."""
        self._use_jobs()
        cycle = self._cycle()
        cycle_class = type(self.env["sop.cycle"])

        def broken(cycle):
            raise OperationalError("history unreadable")

        with (
            patch.object(cycle_class, "_forecast_prepare", broken),
            trap_jobs() as trap,
        ):
            cycle.action_run_forecast()
            job = trap.enqueued_jobs[0]
            for _try in range(job.max_retries - 1):
                with self.assertRaises(RetryableJobError):
                    job.perform()
            with self.assertRaises(FailedJobError):
                job.perform()
            job.on_fail(
                {
                    "exc_name": "OperationalError",
                    "exc_message": "Max. retries (3) reached: history unreadable",
                }
            )
        run = job.recordset
        self.assertEqual(run.state, "failed")
        self.assertIn("history unreadable", run.error)
        self.assertNotIn("Max. retries", run.error, "queue_job's English prefix")
        self.assertFalse(cycle.step_running)
        self.assertFalse(cycle.forecast_ids)

    def test_a_data_error_in_the_prepare_fails_at_once(self):
        """A value out of range raises the same at every try: the run fails
        at the first with the database's reason (it was retried three times,
        the planner waiting 70 s); in the request it is a clear error, not a
        server error."""
        self._use_jobs()
        cycle = self._cycle()
        cycle_class = type(self.env["sop.cycle"])

        def overflow(cycle):
            raise ValueError("value out of range: overflow")

        with patch.object(cycle_class, "_forecast_prepare", overflow):
            with trap_jobs() as trap:
                cycle.action_run_forecast()
                (job,) = trap.enqueued_jobs
                self.assertEqual(job.perform(), "failed")
            run = job.recordset
            self.assertEqual(run.state, "failed")
            self.assertIn("value out of range", run.error)
            self._use_jobs(threshold=2000)  # in the request
            with self.assertRaisesRegex(UserError, "failed: value out of range"):
                cycle.action_run_forecast()

    def test_a_users_error_in_a_job_is_told_at_once(self):
        """The prepare finds something the user must mend (a UserError):
        the run fails at the first try with that message, nothing it wrote
        before is kept, and no retry makes the user wait a minute."""
        self._use_jobs()
        cycle = self._cycle()
        cycle_class = type(self.env["sop.cycle"])

        def refused(cycle):
            cycle.sudo().note = "half written"
            raise UserError(cycle.env._("Run the forecast first: the plan is empty."))

        with (
            patch.object(cycle_class, "_forecast_prepare", refused),
            trap_jobs() as trap,
        ):
            cycle.action_run_forecast()
            job = trap.enqueued_jobs[0]
            self.assertEqual(job.perform(), "failed")
        run = job.recordset
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.error, "Run the forecast first: the plan is empty.")
        self.assertIn(
            "Run the forecast first: the plan is empty.", cycle.message_ids[0].body
        )
        self.assertFalse(cycle.note, "the prepare's own writes rolled back")

    def test_running_a_chunk_twice_doubles_nothing(self):
        self._use_jobs()
        cycle = self._cycle()
        with trap_jobs() as trap:
            cycle.action_run_forecast()
            trap.perform_enqueued_jobs()  # prepare
            run = cycle.step_run_ids
            jobs = [job for job in trap.enqueued_jobs if job.recordset != run]
            for job in jobs:
                job.perform()
            before = self._snapshot(cycle)
            counts = len(cycle.forecast_ids), len(cycle.plan_line_ids)
            # a repeated job is a no-op; a chunk whose commit was lost redoes
            # its work in place
            self.assertIn("nothing to do", jobs[0].perform())
            jobs[0].recordset.sudo().state = "pending"
            jobs[0].perform()
            self.assertEqual(
                (len(cycle.forecast_ids), len(cycle.plan_line_ids)), counts
            )
            self.assertEqual(self._snapshot(cycle), before)
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertFalse(run.chunk_ids.sudo().filtered("payload"))

    def test_second_click_refused_and_lines_read_only_while_running(self):
        self._use_jobs()
        cycle = self._cycle()
        cycle.action_run_forecast()  # jobs stored in the queue, not run
        run = cycle.step_run_ids
        self.assertEqual(run._sop_jobs().mapped("state"), ["pending"])
        with self.assertRaisesRegex(UserError, "busy"):
            cycle.action_run_forecast()
        # nor may what the run reads change under it: the horizon, the
        # history, a scenario's deltas (the note may)
        for vals in ({"horizon_months": 6}, {"history_months": 24}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "busy"):
                cycle.with_user(self.planner).write(vals)
        with self.assertRaisesRegex(UserError, "busy"):
            cycle.with_user(self.planner).action_refresh_actuals()
        scenario = self.env["sop.scenario"].create(
            {"cycle_id": cycle.id, "name": "Demand up"}
        )
        with self.assertRaisesRegex(UserError, "busy"):
            scenario.with_user(self.planner).write({"demand_pct": 30.0})
        cycle.with_user(self.planner).note = "Waiting for the run"
        # a run whose jobs are gone from the queue is not running for ever
        run._sop_jobs().button_cancelled()
        cycle.action_run_forecast()
        self.assertEqual(run.state, "failed")
        self.assertIn("interrupted", run.error)

    def test_cycle_does_not_move_while_a_step_runs(self):
        self._use_jobs()
        cycle = self._cycle()
        with trap_jobs() as trap, _trapped_jobs_kept():
            cycle.action_run_forecast()
            with self.assertRaisesRegex(UserError, "busy: Forecast run: preparing"):
                cycle.action_submit_supply_review()
            self.assertEqual(cycle.state, "demand_review")
            trap.perform_enqueued_jobs()  # prepare
            with self.assertRaisesRegex(UserError, r"busy: Forecast run: 0 / 3"):
                cycle.action_submit_supply_review()
            trap.perform_enqueued_jobs()
            # the review's move is done, its step runs as jobs
            cycle.action_submit_supply_review()
            self.assertEqual(cycle.state, "supply_review")
            self.assertTrue(cycle.step_running)
            with self.assertRaisesRegex(UserError, "busy: Supply review"):
                cycle.action_submit_reconciliation()
            trap.perform_enqueued_jobs()  # prepare
            trap.perform_enqueued_jobs()  # chunks, finalize
        cycle.action_submit_reconciliation()
        self.assertEqual(cycle.state, "reconciliation")

    def test_cron_reports_a_run_with_no_job_left(self):
        self._use_jobs()
        cycle = self._cycle()
        cycle.action_run_forecast()  # jobs stored in the queue, not run
        run = cycle.step_run_ids
        cron = self.env["sop.cycle"]._cron_sop_check_interrupted_runs
        cron()
        self.assertEqual(run.state, "running", "its prepare job is still queued")
        run._sop_jobs().button_cancelled()  # e.g. cancelled by an admin
        # the planner reads Danish; the cron runs in English
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        self.planner.lang = "da_DK"
        users = type(self.env["res.users"])
        with patch.object(users, "_bus_send", autospec=True) as send:
            cron()
        self.assertEqual(run.state, "failed")
        self.assertIn("afbrudt", run.error, "in the language of who started it")
        self.assertFalse(cycle.step_running)
        self.assertIn("afbrudt", cycle.message_ids[0].body)
        user, _kind, message = send.call_args.args
        self.assertEqual(user, self.planner)
        self.assertEqual(message["type"], "danger")
        job = self.env.ref("sop_planning.ir_cron_sop_check_interrupted_runs")
        self.assertEqual(job.code, "model._cron_sop_check_interrupted_runs()")

    def test_plan_lines_of_running_chunks_are_read_only(self):
        cycle = self._cycle()
        cycle.action_run_forecast()  # inline: a plan to edit
        self._use_jobs()
        with trap_jobs() as trap:
            cycle.action_run_forecast()
            line = cycle.plan_line_ids[0]
            with self.assertRaisesRegex(UserError, "still writing"):
                line.write({"adjustment_qty": 2, "adjustment_reason": "promotion"})
            trap.perform_enqueued_jobs()  # prepare
            run = cycle.step_run_ids.sorted("id")[-1]
            first = run.chunk_ids[0]
            jobs = {job.recordset: job for job in trap.enqueued_jobs}
            jobs[first].perform()
            done_line = cycle.plan_line_ids.filtered(
                lambda line: line.product_id.id in first.product_ids
            )[0]
            busy_line = cycle.plan_line_ids.filtered(
                lambda line: line.product_id.id not in first.product_ids
            )[0]
            done_line.write({"adjustment_qty": 2, "adjustment_reason": "promotion"})
            with self.assertRaisesRegex(UserError, "still writing"):
                busy_line.write({"adjustment_qty": 2, "adjustment_reason": "promotion"})
            trap.perform_enqueued_jobs()
        busy_line.write({"adjustment_qty": 2, "adjustment_reason": "promotion"})
        self.assertEqual(run.state, "done")

    def test_database_refuses_a_second_running_run(self):
        """Two clicks at once both pass the busy check; the second start's
        run is still refused, by the database."""
        cycle = self._cycle()
        runs = self.env["sop.step.run"].sudo()
        runs.create({"step": "forecast", "mode": "jobs", "cycle_id": cycle.id})
        company_step = {
            "step": "kpis",
            "mode": "jobs",
            "company_id": self.env.company.id,
        }
        runs.create(company_step)
        for second in (
            {"step": "scoring", "mode": "jobs", "cycle_id": cycle.id},
            company_step,
        ):
            with (
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.cr.savepoint(),
            ):
                runs.create(second)
                runs.flush_model()
        # another step of the company, and any step once the run ended
        runs.create(dict(company_step, step="actuals")).flush_recordset()
        cycle.step_run_ids.sudo().state = "done"
        runs.flush_model()
        runs.create({"step": "scoring", "mode": "jobs", "cycle_id": cycle.id})
        runs.flush_model()

    def test_old_finished_runs_are_deleted_but_each_steps_last(self):
        cycle = self._cycle()
        cycle.action_run_forecast()
        cycle.action_run_forecast()
        first, last = cycle.step_run_ids.sorted("id")
        self.assertTrue(first.chunk_ids)
        runs = self.env["sop.step.run"].sudo()  # as the autovacuum cron
        runs._gc_finished_runs()
        self.assertTrue(first.exists(), "finished today: kept")
        long_ago = fields.Datetime.subtract(
            fields.Datetime.now(), days=sop_step_run.RUN_RETENTION_DAYS + 1
        )
        (first | last).sudo().date_end = long_ago
        chunks = first.chunk_ids
        runs._gc_finished_runs()
        self.assertFalse(first.exists())
        self.assertFalse(chunks.exists())
        self.assertTrue(last.exists(), "the last forecast run of the cycle stays")

    def _received(self, product, days_late):
        """A purchase of ``product`` received today, ``days_late`` days
        after its promised date."""
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": 10.0,
                            "date_planned": fields.Datetime.now()
                            - timedelta(days=days_late),
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        moves = order.picking_ids.move_ids
        moves.quantity = 10.0
        moves.picked = True
        order.picking_ids._action_done()

    def test_supply_review_by_jobs_gives_the_inline_lines(self):
        # the vendor delivered a product of the first chunk 60 days late and
        # one of the last 10 days late: its reliability is over both
        self._received(self.products[0], 60)
        self._received(self.products[4], 10)
        cycle = self._cycle()
        cycle.action_run_forecast()
        # a capacity shared by products of different chunks
        self.env["sop.capacity"].create(
            {"categ_id": self.category.id, "capacity_qty": 20}
        )
        cycle.action_submit_supply_review()  # runs the review inline
        fields_ = (
            "projected_on_hand",
            "capacity_load",
            "is_over_capacity",
            "price_unit",
            "planned_receipt_qty",
            "planned_on_hand",
            "purchase_spend",
        )
        inline = {
            line.id: tuple(line[n] for n in fields_) for line in cycle.plan_line_ids
        }
        vendor_delays = set(cycle.forecast_ids.mapped("vendor_delay_mean"))
        self.assertEqual(len(vendor_delays), 1)
        self.assertAlmostEqual(vendor_delays.pop(), 35.0, delta=1.0)
        self.assertTrue(any(values[2] for values in inline.values()))
        self.assertTrue(any(values[4] for values in inline.values()))
        self.env.cr.execute(
            "UPDATE sop_plan_line SET capacity_load = 0, is_over_capacity = false,"
            " projected_on_hand = 0, price_unit = 0, planned_receipt_qty = NULL,"
            " planned_on_hand = NULL, purchase_spend = NULL WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.cr.execute(  # no stored draft: the finalize plans every product
            "UPDATE sop_forecast SET draft_policy = NULL WHERE cycle_id = %s",
            [cycle.id],
        )
        self.env.invalidate_all()
        self._use_jobs()
        with trap_jobs() as trap:
            cycle.action_run_supply_review()
            trap.perform_enqueued_jobs()  # prepare
            run = cycle.step_run_ids.sorted("id")[-1]
            self.assertEqual((run.step, len(run.chunk_ids)), ("supply", 3))
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        jobs = {
            line.id: tuple(line[n] for n in fields_) for line in cycle.plan_line_ids
        }
        self.assertEqual(jobs, inline)
        # the vendor's reliability over the whole plan, not over each chunk
        self.assertAlmostEqual(
            set(cycle.forecast_ids.mapped("vendor_delay_mean")).pop(), 35.0, delta=1.0
        )
        self.assertEqual(len(set(cycle.forecast_ids.mapped("vendor_delay_mean"))), 1)


@tagged("post_install", "-at_install")
class TestApprovalJobs(SopPolicyCase):
    """Approval as jobs: the same rules as inline; only executives start it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # two years of uneven sales: the ledger's error scales are measured
        for offset in range(1, 25):
            cls._sale(cls.pump, 20 + 7 * (offset % 5), cls._past_day(offset))
            cls._sale(cls.valve, 3 + offset % 4, cls._past_day(offset))

    def setUp(self):
        super().setUp()
        patcher = patch.object(sop_step_run, "CHUNK_SIZE", 2)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.products = self.pump | self.valve | self.orphan

    def _rules(self):
        rules = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "in", self.products.ids)]
        )
        return {
            rule.product_id.id: (
                rule.product_min_qty,
                rule.product_max_qty,
                rule.replenishment_uom_id.id,
                rule.trigger,
                rule.sop_managed,
                rule.sop_manual,
            )
            for rule in rules
        }

    def _ledger(self, cycle):
        """The cycle's accuracy ledger, as comparable tuples."""
        return sorted(
            (
                line.product_id.id,
                line.warehouse_id.id,
                line.date_month,
                line.lag,
                line.abc,
                line.categ_id.id,
                line.adjusted_by_id.id,
                line.statistical_qty,
                line.consensus_qty,
                line.scale,
            )
            for line in cycle.accuracy_line_ids
        )

    def test_approval_by_jobs_writes_the_inline_rules(self):
        inline_cycle = self._approve(self._plan(self.products))
        inline = self._rules()
        inline_ledger = self._ledger(inline_cycle)
        self.assertEqual(len(inline_ledger), 3 * 12, "12 months of 3 products")
        self.assertEqual(
            {row[0] for row in inline_ledger if row[-1]},
            {self.pump.id, self.valve.id},
            "the scales of the products sold",
        )
        # the pump's S&OP rule, the valve's manual one (the orphan has no vendor)
        self.assertEqual(len(inline), 2)
        managed = self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "in", self.products.ids), ("sop_managed", "=", True)]
        )
        managed.write({"product_min_qty": 0.0, "product_max_qty": 0.0})

        cycle = self._plan(self.products)
        self._to_executive_review_from_demand(cycle)  # supply review inline
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        with trap_jobs() as trap:
            cycle.with_user(self.executive).action_approve()
            trap.assert_jobs_count(1)
            # no move of the cycle while the approval runs
            with (
                self.assertRaisesRegex(UserError, "busy: Approval"),
                _trapped_jobs_kept(),
            ):
                cycle.with_user(self.executive).action_reject()
            trap.perform_enqueued_jobs()  # prepare: approved, policies computed
            self.assertEqual(cycle.state, "approved")
            run = cycle.step_run_ids.sorted("id")[-1]
            self.assertEqual(
                (run.step, run.mode, len(run.chunk_ids)), ("approval", "jobs", 2)
            )
            # the chunks store the policies: none of this plan yet
            self.assertFalse(cycle.policy_ids)
            chunk = run.chunk_ids.sorted("sequence")[0]
            frames = sop_step_run._frames_from_json(chunk.sudo().payload)
            # the daily replenishment leaves this company alone meanwhile
            today = fields.Date.today()
            domain = self.env["sop.reorder.proposal"]._pending_rules_domain(today)
            self.assertIn(("company_id", "not in", self.company_a.ids), domain)
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(self._rules(), inline)
        # each chunk froze the plan lines of its products, as inline
        self.assertEqual(self._ledger(cycle), inline_ledger)
        policies = self.env["sop.inventory.policy"].search(
            [("product_id", "in", self.products.ids)]
        )
        self.assertEqual(policies.cycle_id, cycle, "the inline plan's, in place")
        self.assertEqual(len(policies), 3, "one per product")
        changes = policies.change_ids
        # a chunk run again doubles nothing: same policies, rules and ledger
        cycle._approval_chunk(chunk.product_ids, frames)
        self.assertEqual(
            self.env["sop.inventory.policy"].search(
                [("product_id", "in", self.products.ids)]
            ),
            policies,
        )
        self.assertEqual(policies.change_ids, changes, "no new history")
        self.assertEqual(self._rules(), inline)
        self.assertEqual(self._ledger(cycle), inline_ledger)
        summaries = cycle.message_ids.filtered(
            lambda m: "reordering rules set" in (m.body or "")
        )
        self.assertEqual(len(summaries), 1, "one summary for the 2 chunks")
        self.assertIn("1 reordering rules set, 1 kept manual", summaries.body)
        domain = self.env["sop.reorder.proposal"]._pending_rules_domain(today)
        self.assertNotIn(("company_id", "not in", self.company_a.ids), domain)

    def test_an_approval_whose_chunk_failed_is_finished_by_approving_again(self):
        """A chunk of the approval fails for good: the plan is approved but
        some policies and ledger rows are missing. The executive sees it
        (approval_unfinished) and approving again writes the rest."""
        cycle = self._plan(self.products)
        self._to_executive_review_from_demand(cycle)  # supply review inline
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        cycle_class = type(self.env["sop.cycle"])
        original = cycle_class._approval_chunk
        bad = self.products[0]

        def failing(cycle, product_ids, frames):
            if bad.id in product_ids:  # the server's, not the product's
                raise OperationalError("lock timeout")
            return original(cycle, product_ids, frames)

        with patch.object(cycle_class, "_approval_chunk", failing), trap_jobs() as trap:
            cycle.with_user(self.executive).action_approve()
            trap.perform_enqueued_jobs()  # prepare
            jobs, trap.enqueued_jobs = trap.enqueued_jobs, []
            for job in jobs:
                if job.recordset._name != "sop.step.chunk":
                    continue
                if bad.id not in job.recordset.product_ids:
                    job.perform()
                    continue
                for _try in range(job.max_retries - 1):
                    with self.assertRaises(RetryableJobError):
                        job.perform()
                with self.assertRaises(FailedJobError):
                    job.perform()
                job.on_fail(
                    {"exc_name": "OperationalError", "exc_message": "lock timeout"}
                )
        self.assertEqual(cycle.state, "approved")
        self.assertTrue(cycle.approval_unfinished)
        self.assertIn("press Finish Approval", cycle.message_ids[0].body)
        self.assertNotIn(bad, cycle.policy_ids.product_id)
        with trap_jobs() as trap:
            cycle.with_user(self.executive).action_approve()
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        self.assertFalse(cycle.approval_unfinished)
        self.assertEqual(cycle.policy_ids.product_id, self.products)
        self.assertEqual(len(self._ledger(cycle)), 3 * 12)
        # a finished approval is not run again
        with self.assertRaisesRegex(UserError, "needs Executive Review"):
            cycle.with_user(self.executive).action_approve()

    def test_a_product_whose_rule_is_refused_is_skipped_the_plan_approved(self):
        """In the request: the rule of one product is refused; its policy and
        ledger rows are rolled back, the others' are written, and the
        executive reads which product was skipped and why."""
        cycle = self._plan(self.products)
        self._to_executive_review_from_demand(cycle)
        cycle_class = type(self.env["sop.cycle"])
        original = cycle_class._apply_policies_to_rules
        bad = self.valve

        def refusing(cycle, policies):
            original(cycle, policies)
            if bad in policies.product_id:
                reason = "The route of this rule is archived."  # Odoo's refusal
                raise ValidationError(reason)

        before = self._rules()
        with patch.object(cycle_class, "_apply_policies_to_rules", refusing):
            cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.state, "approved")
        self.assertEqual(cycle.policy_ids.product_id, self.products - bad)
        self.assertNotIn(bad, cycle.accuracy_line_ids.product_id)
        self.assertTrue(cycle.accuracy_line_ids)
        rules = self._rules()
        self.assertEqual(rules.get(bad.id), before.get(bad.id), "its rule untouched")
        self.assertTrue(rules[self.pump.id][4], "the pump's rule is the plan's")
        body = cycle.message_ids.filtered(
            lambda m: "Approval: 1 product" in m.body
        ).body
        self.assertIn(bad.display_name, body)
        self.assertIn("The route of this rule is archived.", body)

    def test_a_product_of_another_company_is_skipped_for_any_executive(self):
        """A product moved to another company since the supply review: its
        rule cannot be written. It is skipped and named even though the
        executive approving cannot read it; the others are approved."""
        cycle = self._plan(self.products)
        self._to_executive_review_from_demand(cycle)
        bad = self.valve
        self.env["stock.warehouse.orderpoint"].search(
            [("product_id", "=", bad.id)]
        ).unlink()
        # as an import or a fix in the database leaves it (the form refuses
        # it for a product with stock moves)
        self.env.cr.execute(
            "UPDATE product_template SET company_id = %s WHERE id = %s",
            (self.company_b.id, bad.product_tmpl_id.id),
        )
        self.env.invalidate_all()
        cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.state, "approved")
        self.assertEqual(cycle.policy_ids.product_id, self.products - bad)
        body = cycle.message_ids.filtered(
            lambda m: "Approval: 1 product" in m.body
        ).body
        self.assertIn(bad.display_name, body)

    def test_planner_cannot_enqueue_an_approval(self):
        cycle = self._plan(self.products)
        self._to_executive_review_from_demand(cycle)  # supply review inline
        _assert_step_refused(self, cycle, self.planner, "action_approve", "approval")
        self.assertEqual(cycle.state, "executive_review")
