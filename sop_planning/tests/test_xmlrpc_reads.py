from odoo.tests import HttpCase, tagged

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestXmlRpcReads(HttpCase, SopDataCase):
    """An XML-RPC client (no null in XML-RPC) reads every S&OP record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.valve = cls._product("RPC Valve", standard_price=12.0)
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.vendor.id,
                "product_tmpl_id": cls.valve.product_tmpl_id.id,
                "delay": 20,
            }
        )
        cls._monthly_sales({cls.valve: 14.0})

    def _read_everything(self, login):
        """The S&OP models of which ``login`` read records, all fields, over XML-RPC."""
        user = self.env["res.users"].search([("login", "=", login)])
        models = self.env["ir.model"].search(
            [("model", "=like", "sop.%"), ("transient", "=", False)]
        )
        read = []
        for model in models.mapped("model"):
            records = self.env[model]
            if records._abstract or not records.with_user(user).has_access("read"):
                continue
            if self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, login, model, "search_read", [[]]
            ):
                read.append(model)
        return read

    def test_every_record_reads_over_xmlrpc(self):
        """After a plan's approval, admin and a planner read every S&OP
        record with all its fields, the draft policies the supply review
        stored (a JSON of the engine's values, with empty ones) among them."""
        cycle = self._next_month_cycle()
        cycle._run_forecast()
        cycle.action_submit_supply_review()
        self.assertTrue(self._forecast(cycle, self.valve).sudo().draft_policy)
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.with_user(self.executive).action_approve()
        for login in ("admin", "sop_planner"):
            read = self._read_everything(login)
            for model in ("sop.forecast", "sop.inventory.policy", "sop.plan.line"):
                self.assertIn(model, read, f"{login} reads {model}")
