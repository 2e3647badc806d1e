from xmlrpc.client import Fault

from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common_data import SopDataCase


@tagged("post_install", "-at_install")
class TestXmlRpcReads(HttpCase, SopDataCase):
    """An XML-RPC client (no null in XML-RPC) reads every S&OP record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.valve = cls._product("RPC Valve", standard_price=12.0)
        cls._vendor_price(cls.valve, 20)
        cls._monthly_sales({cls.valve: 14.0})
        # a buyer reads the cycles its policies and proposals link to
        cls.buyer = new_test_user(
            cls.env, "sop_buyer", groups="purchase.group_purchase_user"
        )

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
        """After a plan's approval, admin, a planner and a buyer read every
        S&OP record they may read with all its fields, the draft policies the
        supply review stored (a JSON of the engine's values, with empty ones)
        among them; the buyer reads the cycle without its plan and money."""
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
        read = self._read_everything("sop_buyer")
        self.assertIn("sop.cycle", read, "a buyer reads the cycles")
        self.assertIn("sop.inventory.policy", read)
        self.assertNotIn("sop.plan.line", read)
        for name in ("revenue_total", "margin_total", "plan_line_ids", "forecast_ids"):
            with (
                self.assertRaisesRegex(
                    Fault, f"enough rights to access the field .{name}."
                ),
                mute_logger("odoo.http"),
            ):
                self.xmlrpc_object.execute_kw(
                    self.env.cr.dbname,
                    self.buyer.id,
                    "sop_buyer",
                    "sop.cycle",
                    "read",
                    [cycle.ids],
                    {"fields": [name]},
                )

    def test_buyers_forms_ask_for_nothing_the_buyer_cannot_read(self):
        """A buyer opens a cycle, a policy and a reorder proposal: their forms
        name only fields the buyer may read (Odoo drops the others), and the
        policy's planning chart, which reads the forecast and its plan lines
        (S&OP users only), is not in the buyer's form (the web client showed
        an access error and left the form)."""
        for model in ("sop.cycle", "sop.inventory.policy", "sop.reorder.proposal"):
            records = self.env[model].with_user(self.buyer)
            arch = records.get_views([(False, "form")])["views"]["form"]["arch"]
            readable = records.fields_get(attributes=["type"])
            named = {
                node.get("name")
                for node in etree.fromstring(arch).iter("field")
                if not any(up.tag == "field" for up in node.iterancestors())
            }
            self.assertLessEqual(named, set(readable), model)
            self.assertNotIn("sop_planning_chart", arch, model)
        policy_form = self.env["sop.inventory.policy"].get_views([(False, "form")])
        self.assertIn("sop_planning_chart", policy_form["views"]["form"]["arch"])
