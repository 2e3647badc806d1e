from odoo import fields
from odoo.tests import new_test_user, tagged

from .test_vendor_order import VendorOrderCase


@tagged("post_install", "-at_install")
class TestVendorOrderWords(VendorOrderCase):
    """A vendor order's notes read in the reader's language, whoever built it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("da_DK")
        cls.env.ref("base.user_root").lang = "en_US"
        cls.danish_buyer = new_test_user(
            cls.env,
            "vo_danish_buyer",
            groups="purchase.group_purchase_user",
            lang="da_DK",
        )

    def _as(self, user, records):
        """``records`` as ``user`` reads them, in the user's language."""
        return records.with_user(user).with_context(lang=user.lang)

    def test_notes_of_a_run_by_odoobot_read_in_danish_and_english(self):
        self.due.seller_ids.product_uom_id = self.dozen
        self.env["sop.purchase.budget"].create(
            {"date_month": fields.Date.today(), "amount": 480.0}
        )
        order = self._run()
        due = self._line(order, self.due)
        soon = self._line(order, self.soon)
        self.assertEqual(soon.reason, "deferred")
        self.assertIn("pack of 12", due.explanation, "stored as OdooBot wrote it")
        danish_order = self._as(self.danish_buyer, order)
        danish = danish_order.explanation_display
        self.assertTrue(
            danish.startswith("1 linjer under deres genbestillingspunkt; ordredato"),
            danish,
        )
        self.assertIn("hævet fra 45 til 48: pakning med 12", danish)
        self.assertIn("udskudt: over indkøbsbudgettet", danish)
        self.assertNotIn("pack of", danish)
        danish_due = self._as(self.danish_buyer, due)
        self.assertIn("hævet fra 45 til 48", danish_due.explanation_display)
        self.assertIn(
            "tilføjet: når minimum på",
            self._as(self.danish_buyer, soon).explanation_display,
        )
        self.assertIn(
            "udskudt: over indkøbsbudgettet",
            self._as(self.danish_buyer, soon).budget_note_display,
        )
        english = self._as(self.buyer, order).explanation_display
        self.assertIn("lines below their reorder point; order date", english)
        self.assertIn("raised from 45 to 48: pack of 12", english)
        self.assertIn("deferred: over the", english)
        self.assertIn(
            "deferred: over the", self._as(self.buyer, soon).budget_note_display
        )
        # a Danish buyer's form and list read them over the web client
        form = danish_order.web_read({"explanation_display": {}})
        self.assertIn("pakning med 12", form[0]["explanation_display"])
        rows = self._as(self.danish_buyer, order.line_ids).search_read(
            [("order_id", "=", order.id)],
            ["explanation_display", "budget_note_display"],
        )
        self.assertIn("udskudt", "".join(r["budget_note_display"] or "" for r in rows))

    def test_notes_stored_before_their_values_show_as_written(self):
        order = self._run()
        soon = self._line(order, self.soon)
        order.sudo().explanation_values = False
        order.sudo().explanation = "Old order note"
        soon.sudo().note_values = False
        soon.sudo().explanation = "Old line note"
        soon.sudo().budget_note = "Old deferral"
        danish_order = self._as(self.danish_buyer, order)
        self.assertEqual(danish_order.explanation_display, "Old order note")
        danish_soon = self._as(self.danish_buyer, soon)
        self.assertEqual(danish_soon.explanation_display, "Old line note")
        self.assertEqual(danish_soon.budget_note_display, "Old deferral")
