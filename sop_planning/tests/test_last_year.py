from lxml import etree

from odoo.tests import tagged

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
