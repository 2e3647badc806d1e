import base64
import io
import math
import re
from collections import namedtuple

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ..engine import EngineInputError, read_adjustments
from ..models.sop_common import (
    MAX_ADJUSTMENT_PERCENT,
    MAX_ADJUSTMENT_QTY,
    adjustment_problem,
)
from ..models.sop_plan_line import REASONS
from ..models.sop_workbook_labels import workbook_labels

# the hidden key of a workbook row: cycle:product:warehouse:YYYY-MM
WORKBOOK_KEY = re.compile(r"\d+:\d+:\d+:\d{4}-\d{2}")

# tolerance when comparing a cell with the stored value
EPSILON = 1e-6
# what the preview compares a row with: the plan line as stored
CURRENT_FIELDS = (
    "id",
    "product_id",
    "warehouse_id",
    "date_month",
    "forecast_qty",
    "adjustment_mode",
    "adjustment_qty",
    "adjustment_percent",
    "adjustment_reason",
    "adjustment_note",
)
CurrentLine = namedtuple("CurrentLine", CURRENT_FIELDS)


class SopAdjustmentImport(models.TransientModel):
    """Read adjustments back from a cycle's workbook: preview, then apply.

    The file is read into preview rows (lines that will change, rows
    rejected with their reason); nothing is written until the planner
    confirms, and then every change is a normal write of its plan line.
    """

    _name = "sop.adjustment.import"
    _description = "Import S&OP Adjustments from the Workbook"

    cycle_id = fields.Many2one("sop.cycle", required=True)
    file = fields.Binary(string="Workbook", required=True)
    filename = fields.Char()
    state = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview"), ("done", "Done")],
        default="upload",
        required=True,
    )
    line_ids = fields.One2many("sop.adjustment.import.line", "import_id")
    change_ids = fields.One2many(
        "sop.adjustment.import.line",
        "import_id",
        domain=[("status", "=", "change")],
        string="Lines to Change",
    )
    rejected_ids = fields.One2many(
        "sop.adjustment.import.line",
        "import_id",
        domain=[("status", "=", "rejected")],
        string="Rejected Rows",
    )
    change_count = fields.Integer(compute="_compute_counts")
    rejected_count = fields.Integer(compute="_compute_counts")

    @api.model_create_multi
    def create(self, vals_list):
        """An import of a cycle the user may not read (another company's) is
        refused when it is made, not at its preview."""
        imports = super().create(vals_list)
        imports.cycle_id.check_access("read")
        return imports

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.change_count = statuses.count("change")
            wizard.rejected_count = statuses.count("rejected")

    def action_preview(self):
        """Read the file and list what would change and what is rejected."""
        self.ensure_one()
        self.cycle_id._check_adjustment_import()
        rows = self._read_file()
        self.line_ids.unlink()
        self.env["sop.adjustment.import.line"].create(self._preview_rows(rows))
        self.state = "preview"
        return self._reopen()

    def action_confirm(self):
        """Apply the previewed changes through the plan lines' own write."""
        self.ensure_one()
        cycle = self.cycle_id
        cycle._check_adjustment_import()
        if self.state != "preview":
            raise UserError(self.env._("Preview the file before applying it."))
        changes = self.change_ids
        changes._check_still_valid(cycle)
        for change in changes:
            change.plan_line_id.with_context(sop_adjustment_batch=True).write(
                change._plan_line_vals()
            )
        cycle.message_post(
            body=self.env._(
                "%(user)s imported adjustments from %(file)s: %(count)s plan "
                "line(s) adjusted, %(rejected)s row(s) rejected.",
                user=self.env.user.name,
                file=self.filename or self.env._("the workbook"),
                count=len(changes),
                rejected=self.rejected_count,
            ),
            subtype_xmlid="mail.mt_note",
        )
        if changes:
            cycle._on_plan_changed()
        self.state = "done"
        return {"type": "ir.actions.act_window_close"}

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import Adjustments"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _read_file(self):
        """The Adjustments rows of the uploaded file; refuse another cycle's."""
        try:
            rows = read_adjustments(
                io.BytesIO(base64.b64decode(self.file or b"")),
                labels=[workbook_labels(env) for env in self._language_envs()],
            )
        except EngineInputError as exc:
            raise UserError(
                self.env._(
                    "This file cannot be imported (%(error)s). Upload the "
                    "workbook exported from this cycle (Export Workbook).",
                    error=exc,
                )
            ) from exc
        cycles = {key.split(":", 1)[0] for key in rows["key"] if ":" in key}
        if cycles and str(self.cycle_id.id) not in cycles:
            raise UserError(
                self.env._(
                    "This workbook belongs to another cycle, not to %(cycle)s. "
                    "Export the workbook of %(cycle)s and edit that one.",
                    cycle=self.cycle_id.display_name,
                )
            )
        return rows

    def _current_lines(self):
        """The cycle's plan lines by workbook key, read in one query."""
        Line = self.env["sop.plan.line"]
        Line.flush_model()
        query = Line._search([("cycle_id", "=", self.cycle_id.id)])
        rows = self.env.execute_query(query.select(*CURRENT_FIELDS))
        lines = (CurrentLine(*row) for row in rows)
        return {
            self.cycle_id._adjustment_key(
                line.product_id, line.warehouse_id, line.date_month
            ): line
            for line in lines
        }

    def _language_envs(self):
        """This environment in each installed language: a workbook exported
        by a user of any of them reads (its sheet, columns and reasons)."""
        return [
            self.with_context(lang=code).env
            for code, _name in self.env["res.lang"].get_installed()
        ]

    def _reason_codes(self):
        """Reason code, English label and its label in each installed
        language -> code."""
        codes = {}
        for code, label in REASONS:
            codes[code.lower()] = codes[label.lower()] = code
        for env in self._language_envs():
            for code, label in (
                self.cycle_id.with_env(env)._adjustment_reasons().items()
            ):
                codes[label.lower()] = code
        return codes

    def _preview_rows(self, rows):
        """Create values of the preview lines: changes and rejections."""
        lines = self._current_lines()
        codes = self._reason_codes()
        own = f"{self.cycle_id.id}:"
        products = self.env["product.product"].browse(
            {line.product_id for line in lines.values()}
        )
        roundings = {product.id: product.uom_id.rounding for product in products}
        codes_of = {product.id: product.default_code for product in products}
        # a line twice with different values: which one was meant is unknown
        twice = rows[rows["key"].duplicated(keep=False)]
        conflicting = {
            key
            for key, group in twice.groupby("key")
            if len(group.drop(columns="row").drop_duplicates()) > 1
        }
        seen, result = set(), []
        for row in rows.itertuples(index=False):
            line = lines.get(row.key)
            vals = {"import_id": self.id, "row": row.row, "status": "rejected"}
            if line:
                vals.update(
                    plan_line_id=line.id,
                    old_adjustment=line.adjustment_qty or 0.0,
                    new_adjustment=line.adjustment_qty or 0.0,
                )
            if not row.key:
                vals["message"] = self.env._(
                    "A row with no key (the hidden first column) was added in "
                    "the file: change the exported row of its product and month."
                )
            elif not WORKBOOK_KEY.fullmatch(row.key):
                vals["message"] = self.env._(
                    "Its key (the hidden first column) was changed: export the "
                    "workbook again and change the row there."
                )
            elif not row.key.startswith(own):
                vals["message"] = self.env._("From another cycle's workbook.")
            elif not line:
                vals["message"] = self.env._(
                    "Unknown product, warehouse or month: no such line in this cycle."
                )
            elif row.key in conflicting:
                vals["message"] = self.env._(
                    "This line appears twice in the file with different values: "
                    "keep one row."
                )
            elif row.key in seen:
                vals["message"] = self.env._("This line appears twice in the file.")
            elif _typed_over(row.product, codes_of[line.product_id]):
                vals["message"] = self.env._(
                    "The Product column reads %(typed)s, but the row is the line "
                    "of [%(code)s] (its hidden key decides): change that "
                    "product's own row instead.",
                    typed=row.product,
                    code=codes_of[line.product_id],
                )
            elif row.text_in:
                vals["message"] = self.env._(
                    "Text in a number cell (%(column)s): %(value)s",
                    column=row.text_in,
                    value=row.text_value,
                )
            elif row.reason and row.reason.lower() not in codes:
                vals["message"] = self.env._(
                    "Unknown reason %(reason)s.", reason=row.reason
                )
            else:
                new = self._new_adjustment(line, row, codes.get(row.reason.lower()))
                if new is None:
                    seen.add(row.key)
                    continue
                rounding = roundings[line.product_id]
                problem = adjustment_problem(
                    line.forecast_qty,
                    new["new_mode"],
                    new["new_adjustment"],
                    new["new_percent"],
                    new["reason"],
                    rounding or 0.01,
                )
                # an absurd number (a percent of 1e308 gives infinity) is
                # not stored: a rejected row shows its message only
                if problem != "out_of_bounds":
                    vals.update(new)
                vals.update(
                    status="rejected" if problem else "change",
                    message=problem and self._problem_message(problem),
                )
            seen.add(row.key)
            result.append(vals)
        return result

    def _problem_message(self, problem):
        """The preview's words for a code of ``adjustment_problem``."""
        return {
            "out_of_bounds": self.env._(
                "An adjustment is at most %(max_qty)s units either way, or -100 %% "
                "to %(max_percent)s %% of the forecast.",
                max_qty=formatLang(self.env, MAX_ADJUSTMENT_QTY, digits=0),
                max_percent=formatLang(self.env, MAX_ADJUSTMENT_PERCENT, digits=0),
            ),
            "below_minus_100": self.env._(
                "An adjustment cannot go below -100 % of the forecast."
            ),
            "no_reason": self.env._("An adjustment needs a reason."),
        }[problem]

    def _new_adjustment(self, line, row, reason):
        """The adjustment a row asks for, or None when it changes nothing.

        A filled Adjustment (%) cell applies in percent of the forecast,
        whatever the Adjustment cell holds (it may still hold the quantity of
        the export: the same file imported again changes nothing); with the
        percent cell blank, the Adjustment cell is a quantity (blank = 0).
        """
        percent = row.adjustment_percent
        qty = 0.0 if math.isnan(row.adjustment) else row.adjustment
        was_percent = line.adjustment_mode == "percent"
        same_percent = (
            was_percent and abs(percent - (line.adjustment_percent or 0.0)) < EPSILON
        )
        same_qty = abs(qty - (line.adjustment_qty or 0.0)) < EPSILON
        if not math.isnan(percent):
            mode, new_qty = "percent", (line.forecast_qty or 0.0) * percent / 100
        else:
            mode, new_qty, percent = "qty", qty, 0.0
        note = row.reason_note or False
        unchanged = (
            (same_percent if mode == "percent" else not was_percent and same_qty)
            and (reason or False) == (line.adjustment_reason or False)
            and note == (line.adjustment_note or False)
        )
        if unchanged:
            return None
        return {
            "new_mode": mode,
            "new_percent": percent,
            "new_adjustment": new_qty,
            "reason": reason or False,
            "note": note,
        }


class SopAdjustmentImportLine(models.TransientModel):
    """One row of the import preview: a change to apply, or a rejection."""

    _name = "sop.adjustment.import.line"
    _description = "S&OP Adjustment Import Row"
    _order = "status, row"

    import_id = fields.Many2one(
        "sop.adjustment.import", required=True, ondelete="cascade"
    )
    row = fields.Integer(help="Row of the Adjustments sheet.")
    plan_line_id = fields.Many2one("sop.plan.line", ondelete="cascade")
    product_id = fields.Many2one(related="plan_line_id.product_id")
    warehouse_id = fields.Many2one(related="plan_line_id.warehouse_id")
    date_month = fields.Date(related="plan_line_id.date_month", string="Month")
    old_adjustment = fields.Float(digits="Product Unit")
    new_adjustment = fields.Float(digits="Product Unit")
    new_mode = fields.Selection(
        [("qty", "Quantity"), ("percent", "Percent")], string="Mode"
    )
    new_percent = fields.Float(string="New Adjustment (%)")
    reason = fields.Selection(REASONS)
    note = fields.Char(string="Reason Note")
    status = fields.Selection(
        [("change", "Will Change"), ("rejected", "Rejected")], required=True
    )
    message = fields.Char(string="Why Rejected")

    def _check_still_valid(self, cycle):
        """Refuse changes that are not this cycle's, are no longer valid, or
        whose line was edited since the preview."""
        for change in self:
            line = change.plan_line_id
            problem = adjustment_problem(
                line.forecast_qty,
                change.new_mode,
                change.new_adjustment,
                change.new_percent,
                change.reason,
                line.uom_id.rounding or 0.01,
            )
            if line.cycle_id != cycle or problem:
                raise UserError(
                    self.env._(
                        "Row %(row)s cannot be applied: %(problem)s",
                        row=change.row,
                        problem=change.import_id._problem_message(problem)
                        if problem
                        else self.env._("not a line of this cycle."),
                    )
                )
            if abs(line.adjustment_qty - change.old_adjustment) > EPSILON:
                raise UserError(
                    self.env._(
                        "The plan line of row %(row)s (%(product)s, %(month)s) was "
                        "adjusted since the preview. Preview the file again.",
                        row=change.row,
                        product=line.product_id.display_name,
                        month=line.date_month,
                    )
                )

    def _plan_line_vals(self):
        """The plan line write of this change, as a form edit would do it."""
        vals = {
            "adjustment_mode": self.new_mode,
            "adjustment_percent": self.new_percent,
            "adjustment_reason": self.reason,
            "adjustment_note": self.note,
        }
        if self.new_mode == "qty":
            vals["adjustment_qty"] = self.new_adjustment
        return vals


def _typed_over(shown, code):
    """Whether the product a row shows (``[CODE] Name``) is another one than
    its key's, of internal reference ``code`` (names may be translated:
    only references are compared)."""
    match = re.match(r"\[([^\]]+)\]", shown or "")
    return bool(code and match and match.group(1) != code)
