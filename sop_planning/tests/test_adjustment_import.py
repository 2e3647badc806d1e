import base64
import io
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from ..engine import WORKBOOK_LABELS
from ..models.sop_workbook_labels import workbook_labels
from .common_policy import MONTH_DAYS, SopPolicyCase

FORECAST = 10.0 * MONTH_DAYS


@tagged("post_install", "-at_install")
class TestAdjustmentImport(SopPolicyCase):
    """Adjustments edited in the exported workbook come back after a preview."""

    def setUp(self):
        super().setUp()
        self.cycle = self._plan(self.pump | self.valve)

    # helpers -----------------------------------------------------------
    def _export(self, cycle=None):
        """The cycle's workbook as exported by a planner, opened in openpyxl."""
        action = (cycle or self.cycle).with_user(self.planner).action_export_workbook()
        attachment_id = int(action["url"].split("/")[-1].split("?")[0])
        raw = self.env["ir.attachment"].browse(attachment_id).raw
        return openpyxl.load_workbook(io.BytesIO(raw))

    def _line(self, product, offset):
        return self.cycle.plan_line_ids.filtered(
            lambda line: (
                line.product_id == product and line.date_month == self._month(offset)
            )
        )

    def _edit(self, book, product, offset, cycle=None, **cells):
        """Set cells (by header) of the row of ``product`` in month ``offset``."""
        sheet = book["Adjustments"]
        header = [cell.value for cell in sheet[1]]
        key = (cycle or self.cycle)._adjustment_key(
            product.id, self.warehouse.id, self._month(offset)
        )
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == key)
        for name, value in cells.items():
            row[header.index(name)].value = value
        return row[0].row

    def _wizard(self, book, user=None, cycle=None):
        """The import wizard on ``book`` (an openpyxl workbook or file bytes),
        filled in the form the cycle's button opens."""
        if isinstance(book, bytes):
            raw = book
        else:
            buffer = io.BytesIO()
            book.save(buffer)
            raw = buffer.getvalue()
        cycle = (cycle or self.cycle).with_user(user or self.planner)
        action = cycle.action_import_adjustments()
        wizard = self.env[action["res_model"]].with_user(user or self.planner)
        # the file widget sets the (invisible) file name with the file
        context = dict(action["context"], default_filename="plan.xlsx")
        with Form(wizard.with_context(**context)) as form:
            form.file = base64.b64encode(raw)
        return form.save()

    def _apply(self, book):
        wizard = self._wizard(book)
        wizard.action_preview()
        wizard.action_confirm()

    def _snapshot(self):
        self.env.invalidate_all()
        return {
            line.id: (
                line.adjustment_mode,
                line.adjustment_qty,
                line.consensus_qty,
                line.adjustment_reason,
                line.adjusted_by_id,
            )
            for line in self.cycle.plan_line_ids
        }

    def _three_edits(self, book):
        """One percent, one quantity, one without a reason."""
        self._edit(
            book,
            self.pump,
            1,
            **{"Adjustment (%)": 10, "Reason": "Promotion / Campaign"},
        )
        self._edit(
            book,
            self.valve,
            2,
            **{"Adjustment": 25, "Reason": "Market Trend", "Reason note": "big order"},
        )
        return self._edit(book, self.pump, 3, Adjustment=40)

    # tests ---------------------------------------------------------------
    def test_round_trip_preview_then_confirm(self):
        # lines adjusted before the export come back unchanged
        self._line(self.pump, 5).with_user(self.planner).write(
            {
                "adjustment_mode": "percent",
                "adjustment_percent": 15.0,
                "adjustment_reason": "promotion",
                "adjustment_note": "fair",
            }
        )
        self._line(self.valve, 6).with_user(self.planner).write(
            {"adjustment_qty": 12.5, "adjustment_reason": "market"}
        )
        book = self._export()
        self.assertTrue(book["Adjustments"].column_dimensions["A"].hidden)
        bad_row = self._three_edits(book)
        before = self._snapshot()
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertEqual(self._snapshot(), before, "a preview changes nothing")
        changes = wizard.change_ids.sorted(lambda c: c.product_id.name)
        self.assertEqual(changes.product_id, self.pump | self.valve)
        pump, valve = changes
        self.assertEqual((pump.old_adjustment, pump.new_mode), (0.0, "percent"))
        self.assertAlmostEqual(pump.new_adjustment, FORECAST * 0.10, places=2)
        self.assertEqual(pump.reason, "promotion")
        self.assertEqual((valve.new_adjustment, valve.reason), (25.0, "market"))
        rejected = wizard.rejected_ids
        self.assertEqual(len(rejected), 1)
        self.assertEqual(rejected.row, bad_row)
        self.assertEqual(rejected.plan_line_id, self._line(self.pump, 3))
        self.assertEqual(rejected.message, "An adjustment needs a reason.")

        wizard.action_confirm()
        after = self._snapshot()
        changed = {line_id for line_id in before if before[line_id] != after[line_id]}
        pump_line, valve_line = self._line(self.pump, 1), self._line(self.valve, 2)
        self.assertEqual(changed, {pump_line.id, valve_line.id})
        self.assertEqual(pump_line.adjustment_mode, "percent")
        self.assertAlmostEqual(pump_line.consensus_qty, FORECAST * 1.10, delta=0.01)
        self.assertEqual(pump_line.adjusted_by_id, self.planner)
        self.assertTrue(pump_line.date_adjusted)
        self.assertEqual(valve_line.adjustment_qty, 25.0)
        self.assertEqual(valve_line.adjustment_note, "big order")
        self.assertEqual(self._line(self.pump, 3).adjustment_qty, 0.0)
        notes = self.cycle.message_ids.filtered(
            lambda m: "adjust" in (m.body or "")
        ).mapped("body")
        self.assertEqual(len(notes), 3, "one per form save, one for the import")
        notes = [body for body in notes if "imported adjustments" in body]
        self.assertEqual(len(notes), 1, notes)
        self.assertIn("2 plan line(s) adjusted, 1 row(s) rejected", notes[0])
        self.assertIn(self.planner.name, notes[0])
        self.assertIn("plan.xlsx", notes[0])

    def test_the_exported_file_is_read_by_sop_users_only(self):
        """A purchase user reads the cycle, not its plan and money: neither
        the exported workbook's attachment nor its download."""
        action = self.cycle.with_user(self.planner).action_export_workbook()
        attachment_id = int(action["url"].split("/")[-1].split("?")[0])
        self.cycle.with_user(self.planner).action_export_workbook()
        Attachment = self.env["ir.attachment"]
        self.assertFalse(Attachment.browse(attachment_id).exists(), "replaced")
        attachment = Attachment.search(
            [("res_id", "=", self.cycle.id), ("res_field", "=", "workbook_file")]
        )
        self.assertEqual(len(attachment), 1)
        self.assertTrue(attachment.with_user(self.sop_user).raw)
        buyer = new_test_user(
            self.env, "sop_import_buyer", groups="purchase.group_purchase_user"
        )
        self.cycle.with_user(buyer).check_access("read")
        with self.assertRaises(AccessError):
            attachment.with_user(buyer).check_access("read")
        found = Attachment.with_user(buyer).search([("res_model", "=", "sop.cycle")])
        self.assertNotIn(attachment, found)

    def test_a_row_whose_product_was_typed_over_is_rejected(self):
        """The planner typed another product's name over a row: its hidden
        key still names the pump's line, so it is rejected with the reason,
        not applied to the pump unsaid."""
        (self.pump | self.valve).write({"default_code": False})
        self.pump.default_code = "PUMP-1"
        self.valve.default_code = "VALVE-1"
        book = self._export()
        row = self._edit(
            book,
            self.pump,
            1,
            **{
                "Product": self.valve.display_name,
                "Adjustment": 20,
                "Reason": "Market Trend",
            },
        )
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertFalse(wizard.change_ids)
        self.assertEqual(wizard.rejected_ids.row, row)
        self.assertIn("reads [VALVE-1] Valve", wizard.rejected_ids.message)
        self.assertIn("line of [PUMP-1]", wizard.rejected_ids.message)

    def test_the_same_file_imported_again_changes_nothing(self):
        """A percent typed in the workbook leaves the exported 0 in the
        Adjustment cell: importing the file a second time keeps the percent;
        a quantity is typed with the percent cell cleared."""
        book = self._export()
        self._edit(
            book, self.pump, 1, **{"Adjustment (%)": 20, "Reason": "Market Trend"}
        )
        self._apply(book)
        line = self._line(self.pump, 1)
        self.assertAlmostEqual(line.consensus_qty, FORECAST * 1.20, delta=0.01)

        again = self._wizard(book)
        again.action_preview()
        self.assertFalse(again.change_ids, "nothing to change")
        self._apply(book)
        self.assertEqual(line.adjustment_mode, "percent")
        self.assertAlmostEqual(line.consensus_qty, FORECAST * 1.20, delta=0.01)

        self._edit(book, self.pump, 1, **{"Adjustment (%)": None, "Adjustment": 30})
        self._apply(book)
        self.assertEqual((line.adjustment_mode, line.adjustment_qty), ("qty", 30.0))

    def test_a_danish_export_imports_for_an_english_colleague(self):
        """A Danish planner's workbook has Danish sheets, headers and
        reasons; it imports back into a user of another language."""
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["sop_planning"], ["da_DK"])
        danish = self.cycle.with_context(lang="da_DK")
        book = self._export(danish)
        self.assertEqual(
            book.sheetnames,
            [
                "Oversigt",
                "Efterspørgselsplan",
                "Justeringer",
                "Forsyning",
                "Økonomi",
                "Scenarier",
                "Nøjagtighed",
            ],
        )
        self.assertEqual(
            (book["Oversigt"]["A3"].value, book["Forsyning"]["B1"].value),
            ("Nøgletal", "Måltal"),
        )
        sheet = book["Justeringer"]
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(header[:4], ["Nøgle", "Produkt", "Lager", "Måned"])
        key = self.cycle._adjustment_key(
            self.valve.id, self.warehouse.id, self._month(2)
        )
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == key)
        reason = danish._adjustment_reasons()["market"]
        self.assertNotEqual(reason, "Market Trend", "the reason is in Danish")
        row[header.index("Justering")].value = 25
        row[header.index("Årsag")].value = reason
        wizard = self._wizard(book)
        self.assertIn(wizard.env.lang, (None, "en_US"))
        wizard.action_preview()
        self.assertFalse(wizard.rejected_ids)
        self.assertEqual(
            (
                wizard.change_ids.plan_line_id,
                wizard.change_ids.new_adjustment,
                wizard.change_ids.reason,
            ),
            (self._line(self.valve, 2), 25.0, "market"),
        )

    def test_every_word_of_the_workbook_is_translated(self):
        """Each English word the engine writes is a term of the add-on,
        translated in Danish (a word Danish writes the same is listed)."""
        self.env["res.lang"]._activate_lang("da_DK")
        danish = workbook_labels(self.env(context={"lang": "da_DK"}))
        self.assertEqual(set(danish), set(WORKBOOK_LABELS))
        same = {english for english, text in danish.items() if text == english}
        self.assertEqual(same, {"ABC", "XYZ", "WAPE", "MASE", "FVA", "Model", "Bias"})

    def test_sorted_rows_import_the_same(self):
        book = self._export()
        sheet = book["Adjustments"]
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        rows.sort(key=lambda values: (values[1], values[3]), reverse=True)
        for number, values in enumerate(rows, start=2):
            for col, value in enumerate(values, start=1):
                sheet.cell(number, col, value)
        self._three_edits(book)
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertEqual(
            set(wizard.change_ids.plan_line_id.ids),
            {self._line(self.pump, 1).id, self._line(self.valve, 2).id},
        )
        wizard.action_confirm()
        self.assertEqual(self._line(self.valve, 2).adjustment_qty, 25.0)
        self.assertEqual(self._line(self.valve, 1).adjustment_qty, 0.0)

    def test_bad_rows_are_rejected_with_their_reason(self):
        book = self._export()
        self._edit(book, self.pump, 0, Adjustment="lots", Reason="Other")
        self._edit(book, self.pump, 1, **{"Adjustment (%)": -150, "Reason": "Other"})
        self._edit(book, self.pump, 2, Adjustment=-FORECAST - 5, Reason="Other")
        self._edit(book, self.pump, 4, Adjustment=5, Reason="Because")
        unknown = self._edit(book, self.valve, 0, Adjustment=5, Reason="Other")
        book["Adjustments"].cell(unknown, 1).value = self.cycle._adjustment_key(
            self.pump.id, self.warehouse.id, self._month(40)
        )
        other = self._edit(book, self.valve, 1, Adjustment=5, Reason="Other")
        book["Adjustments"].cell(other, 1).value = "999999:1:1:2030-01"
        garbled = self._edit(book, self.valve, 2, Adjustment=5, Reason="Other")
        book["Adjustments"].cell(garbled, 1).value = "garbage-key"
        before = self._snapshot()
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertFalse(wizard.change_ids)
        messages = sorted(wizard.rejected_ids.mapped("message"))
        self.assertEqual(
            messages,
            sorted(
                [
                    "Text in a number cell (Adjustment): lots",
                    "An adjustment cannot go below -100 % of the forecast.",
                    "An adjustment cannot go below -100 % of the forecast.",
                    "Unknown reason Because.",
                    "Unknown product, warehouse or month: no such line in this cycle.",
                    "From another cycle's workbook.",
                    "Its key (the hidden first column) was changed: export the "
                    "workbook again and change the row there.",
                ]
            ),
        )
        self.assertEqual(self._snapshot(), before)

    def test_a_line_twice_with_different_values_is_not_applied(self):
        """A row pasted again below with another adjustment: which one was
        meant is unknown, so both are rejected; a plain repeat of a row is
        applied once."""
        book = self._export()
        sheet = book["Adjustments"]
        pump = self._edit(book, self.pump, 0, Adjustment=5, Reason="Other")
        sheet.append([cell.value for cell in sheet[pump]])
        header = [cell.value for cell in sheet[1]]
        sheet.cell(sheet.max_row, header.index("Adjustment") + 1).value = 7
        valve = self._edit(book, self.valve, 0, Adjustment=3, Reason="Other")
        sheet.append([cell.value for cell in sheet[valve]])
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertEqual(wizard.change_ids.plan_line_id, self._line(self.valve, 0))
        self.assertEqual(
            sorted(wizard.rejected_ids.mapped("message")),
            [
                "This line appears twice in the file with different values: "
                "keep one row.",
                "This line appears twice in the file with different values: "
                "keep one row.",
                "This line appears twice in the file.",
            ],
        )
        wizard.action_confirm()
        self.assertEqual(self._line(self.pump, 0).adjustment_qty, 0.0)
        self.assertEqual(self._line(self.valve, 0).adjustment_qty, 3.0)

    def test_absurd_numbers_are_rejected_with_the_bounds(self):
        """Rows adjusting by 1e15 units, 1e6 % or 1e308 % (infinity once
        applied to the forecast) are rejected with the bounds; the preview
        neither stores nor fails on them, and nothing is saved."""
        book = self._export()
        self._edit(book, self.pump, 0, Adjustment=1e15, Reason="Other")
        self._edit(book, self.pump, 1, **{"Adjustment (%)": 1e6, "Reason": "Other"})
        self._edit(book, self.pump, 2, **{"Adjustment (%)": 1e308, "Reason": "Other"})
        self._edit(book, self.valve, 0, Adjustment=-1e15, Reason="Other")
        before = self._snapshot()
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertFalse(wizard.change_ids)
        self.assertEqual(
            wizard.rejected_ids.mapped("message"),
            [
                "An adjustment is at most 1,000,000,000 units either way, or "
                "-100 % to 10,000 % of the forecast."
            ]
            * 4,
        )
        self.assertEqual(self._snapshot(), before)

    def test_a_row_added_in_the_file_says_it_has_no_key(self):
        """A planner types a new row (product, warehouse, month) under the
        exported ones: it is no line of the plan, and the preview says why,
        not that it comes from another cycle's workbook."""
        book = self._export()
        sheet = book["Adjustments"]
        header = [cell.value for cell in sheet[1]]
        added = sheet.max_row + 1
        for name, value in (
            ("Product", self.pump.display_name),
            ("Warehouse", self.warehouse.code),
            ("Month", self._month(0).strftime("%Y-%m")),
            ("Adjustment", 5),
            ("Reason", "Other"),
        ):
            sheet.cell(added, header.index(name) + 1).value = value
        wizard = self._wizard(book)
        wizard.action_preview()
        self.assertEqual(wizard.rejected_ids.row, added)
        self.assertIn("no key", wizard.rejected_ids.message)
        self.assertFalse(wizard.change_ids)

    @unittest.skipUnless(shutil.which("soffice"), "LibreOffice is not installed")
    def test_a_libreoffice_saved_workbook_imports(self):
        book = self._export()
        self._three_edits(book)
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp, "edited.xlsx")
            book.save(source)
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--headless",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    f"{tmp}/out",
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
            saved = Path(tmp, "out", "edited.xlsx").read_bytes()
        wizard = self._wizard(saved)
        wizard.action_preview()
        self.assertEqual(len(wizard.change_ids), 2)
        self.assertEqual(wizard.rejected_ids.message, "An adjustment needs a reason.")
        wizard.action_confirm()
        self.assertEqual(self._line(self.valve, 2).adjustment_qty, 25.0)

    def test_confirm_checks_the_preview_again(self):
        book = self._export()
        self._three_edits(book)
        wizard = self._wizard(book)
        wizard.action_preview()
        # a change forged over RPC: no reason
        forged = wizard.change_ids[:1].copy({"import_id": wizard.id, "reason": False})
        with self.assertRaisesRegex(UserError, "needs a reason"):
            wizard.action_confirm()
        forged.unlink()
        # the line was edited in the form after the preview
        self._line(self.valve, 2).with_user(self.planner).write(
            {"adjustment_qty": 7.0, "adjustment_reason": "other"}
        )
        before = self._snapshot()
        with self.assertRaisesRegex(UserError, "adjusted since the preview"):
            wizard.action_confirm()
        self.assertEqual(self._snapshot(), before)

    def test_another_cycles_workbook_is_refused(self):
        other = self._plan(self.valve, ahead=1)
        book = self._export(other)
        self._edit(book, self.valve, 1, cycle=other, Adjustment=5, Reason="Other")
        wizard = self._wizard(book)
        with self.assertRaisesRegex(UserError, "belongs to another cycle"):
            wizard.action_preview()
        not_a_workbook = wizard.copy({"file": base64.b64encode(b"a,b\n1,2\n")})
        with self.assertRaisesRegex(UserError, "cannot be imported"):
            not_a_workbook.action_preview()

    def test_refused_outside_demand_review_and_on_a_frozen_cycle(self):
        book = self._export()
        self._three_edits(book)
        wizard = self._wizard(book)
        wizard.action_preview()
        before = self._snapshot()
        self.cycle.action_submit_supply_review()
        with self.assertRaisesRegex(UserError, "this step needs Demand Review"):
            wizard.action_confirm()
        self.cycle.action_submit_reconciliation()
        self.cycle.action_submit_executive_review()
        self.cycle.with_user(self.executive).action_approve()
        with self.assertRaisesRegex(UserError, "frozen"):
            wizard.action_confirm()
        with self.assertRaisesRegex(UserError, "frozen"):
            self.cycle.with_user(self.planner).action_import_adjustments()
        self.assertEqual(self._snapshot(), before)

    def test_only_planners_import(self):
        action = self.cycle.with_user(self.planner).action_import_adjustments()
        self.assertEqual(action["res_model"], "sop.adjustment.import")
        with self.assertRaises(AccessError):
            self.cycle.with_user(self.sop_user).action_import_adjustments()
        with self.assertRaises(AccessError):
            self.env["sop.adjustment.import"].with_user(self.sop_user).create(
                {"cycle_id": self.cycle.id, "file": base64.b64encode(b"x")}
            )
        # another company's planner: refused when the import is made
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.env["sop.adjustment.import"].with_user(self.planner_b).create(
                {"cycle_id": self.cycle.id, "file": base64.b64encode(b"x")}
            )
        book = self._export()
        self._three_edits(book)
        wizard = self._wizard(book)
        with self.assertRaises(AccessError):
            wizard.with_user(self.sop_user).action_preview()
        with self.assertRaises(AccessError):
            wizard.with_user(self.sop_user).action_confirm()
