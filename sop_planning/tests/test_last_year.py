from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.tests import freeze_time, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..models import sop_step_run
from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestLastYear(SopDataCase):
    """ "Last Year" on a plan line: the demand a year earlier where it is
    known, a zero where nothing sold, empty where the month is not over."""

    def test_last_year_is_known_zero_or_empty(self):
        product = self._product("Seasonal")
        for offset in range(1, 13):
            if offset != 6:  # nothing sold six months ago
                self._sale(product, 10 + offset, self._past_day(offset))
        cycle = self._new_cycle(
            date_month=self._month(1), product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        cycle.action_run_forecast()
        lines = {
            line.date_month: line
            for line in self._lines(cycle, product).with_user(self.planner)
        }
        self.assertEqual(len(lines), 12)
        # a year before plan month +1 is month -11: its sale of 21
        self.assertTrue(lines[self._month(1)].history_known)
        self.assertEqual(lines[self._month(1)].history_qty, 21.0)
        # a year before plan month +6 is month -6: nothing sold, a known zero
        self.assertTrue(lines[self._month(6)].history_known)
        self.assertEqual(lines[self._month(6)].history_qty, 0.0)
        # a year before plan month +12 is this month, not over: unknown
        self.assertFalse(lines[self._month(12)].history_known)
        # the list leaves an unknown "Last Year" empty instead of showing 0
        views = (
            self.env["sop.plan.line"]
            .with_user(self.planner)
            .get_views([(False, "list")])
        )
        arch = etree.fromstring(views["views"]["list"]["arch"])
        (node,) = arch.xpath("//field[@name='history_qty']")
        self.assertEqual(node.get("invisible"), "not history_known")

    def test_chunk_after_the_month_end_keeps_the_runs_history_window(self):
        """A run prepared on the last day of a month whose chunks run as jobs
        after midnight: "Last Year" follows the history the run read (up to
        the month of the run), not the day the chunk runs on."""
        product = self._product("Late Chunk")
        for offset in range(11):  # June 2029 to April 2030
            self._sale(product, 10, date(2029, 6, 15) + relativedelta(months=offset))
        self._sale(product, 99, date(2030, 5, 10))  # the month of the run
        cycle = self._new_cycle(
            date_month="2030-06-01", product_category_ids=[(6, 0, self.category.ids)]
        )
        cycle.action_start_demand_review()
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        with trap_jobs() as trap:
            with freeze_time("2030-05-31 21:00:00"):
                cycle.action_run_forecast()
                trap.perform_enqueued_jobs()  # the prepare: history to May 1
            with freeze_time("2030-06-01 02:00:00"):
                trap.perform_enqueued_jobs()  # the chunk and the finalize
        run = cycle.step_run_ids
        self.assertEqual((run.mode, run.state), ("jobs", "done"))
        self.assertEqual(cycle.date_history_to, date(2030, 5, 1))
        lines = {line.date_month: line for line in self._lines(cycle, product)}
        self.assertEqual(lines[date(2031, 4, 1)].history_qty, 10.0)
        # a year before May 2031 is May 2030: not over when the history was
        # read, unknown (was a known 0 from the chunk's day)
        self.assertFalse(lines[date(2031, 5, 1)].history_known)
