from lxml import etree

from odoo.tests import tagged

from .common import SopCase


@tagged("post_install", "-at_install")
class TestForecastViews(SopCase):
    """The backtest's WAPE and bias are shares: shown as percentages, the
    unit of the accuracy ledger's WAPE (%) and Bias (%)."""

    def _field_nodes(self, model, view_type, path):
        views = self.env[model].with_user(self.planner).get_views([(False, view_type)])
        arch = etree.fromstring(views["views"][view_type]["arch"])
        return arch.xpath(path)

    def test_backtest_shares_are_shown_as_percentages(self):
        for model, view_type, path in (
            ("sop.forecast", "list", "//field[@name='{}']"),
            ("sop.forecast", "form", "//field[@name='{}']"),
            ("sop.cycle", "form", "//field[@name='forecast_ids']//field[@name='{}']"),
        ):
            for name in ("wape", "bias"):
                nodes = self._field_nodes(model, view_type, path.format(name))
                with self.subTest(model=model, view=view_type, field=name):
                    self.assertTrue(nodes or name == "bias", "the field is shown")
                    for node in nodes:
                        self.assertEqual(node.get("widget"), "percentage")

    def test_history_window_reads_as_months(self):
        """The cycle's history window shows months with the year ("Dec 2026"),
        not a day without its year ("Dec 1") under a technical label."""
        for name, label in (
            ("date_history_from", "History From"),
            ("date_history_to", "History Before"),
        ):
            (node,) = self._field_nodes("sop.cycle", "form", f"//field[@name='{name}']")
            self.assertEqual(node.get("widget"), "sop_month")
            self.assertEqual(self.env["sop.cycle"]._fields[name].string, label)

    def test_no_two_fields_of_a_model_share_a_label(self):
        """A stored text and its display in the reader's language read apart
        in filters and exports (Odoo warns of a shared label at install)."""
        for name in self.env.registry:
            if not name.startswith("sop."):
                continue
            labels = {}
            for field in self.env[name]._fields.values():
                with self.subTest(model=name, label=field.string):
                    self.assertFalse(
                        field.string in labels,
                        f"{field.name} has the label of {labels.get(field.string)}",
                    )
                labels.setdefault(field.string, field.name)
