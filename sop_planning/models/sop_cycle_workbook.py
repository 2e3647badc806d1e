import io

import numpy as np
import pandas as pd

from odoo import fields, models

from ..engine import SPEND_PREFIX, write_workbook
from .sop_common import GROUP_PLANNER, GROUP_USER
from .sop_scenario import RESULT_FIELDS
from .sop_workbook_labels import workbook_labels

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINE_COLUMNS = (
    "forecast_id",
    "product_id",
    "warehouse_id",
    "date_month",
    "history_qty",
    "forecast_qty",
    "adjustment_qty",
    "consensus_qty",
    "incoming_qty",
    "prior_demand_qty",
    "projected_on_hand",
    "price_unit",
    "cost_unit",
    "revenue",
    "cost",
    "margin",
    "inventory_value",
    "actual_qty",
    "has_actual",
    "adjustment_mode",
    "adjustment_percent",
    "adjustment_reason",
    "adjustment_note",
    "planned_receipt_qty",
    "planned_on_hand",
    "purchase_spend",
    "planned_inventory_value",
)


class SopCycle(models.Model):
    """Excel workbook of a cycle: plan, supply, money, scenarios, accuracy."""

    _inherit = "sop.cycle"  # pylint: disable=consider-merging-classes-inherited

    # the last export, kept as the field's attachment: readable by S&OP users
    # only (a purchase user reads the cycle, not its plan and money)
    workbook_file = fields.Binary(
        string="Workbook", attachment=True, readonly=True, copy=False, groups=GROUP_USER
    )

    def action_export_workbook(self):
        """Write the cycle's workbook as an attachment and download it."""
        self.ensure_one()
        self._check_group(GROUP_USER, self.env._("export a plan"))
        buffer = io.BytesIO()
        title = self.env._("S&OP plan %(cycle)s", cycle=self.display_name)
        write_workbook(
            buffer,
            self._workbook_plan(),
            title=title,
            labels=workbook_labels(self.env),
        )
        name = f"{self.name.replace('/', '-')}.xlsx"
        # the file is readable as the cycle's workbook_file: by S&OP users
        attachments = self.env["ir.attachment"].sudo()
        attachments.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("res_field", "=", "workbook_file"),
            ]
        ).unlink()
        attachment = attachments.create(
            {
                "name": name,
                "raw": buffer.getvalue(),
                "mimetype": XLSX,
                "res_model": self._name,
                "res_id": self.id,
                "res_field": "workbook_file",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _workbook_lines(self):
        """The cycle's plan lines as a DataFrame, ``item_id`` a readable label."""
        Line = self.env["sop.plan.line"]
        Line.flush_model()
        query = Line._search([("cycle_id", "=", self.id)])
        lines = pd.DataFrame(
            self.env.execute_query(query.select(*LINE_COLUMNS)), columns=LINE_COLUMNS
        )
        if lines.empty:
            return lines.assign(item_id=[], period=[])
        products = self.env["product.product"].browse(
            lines["product_id"].unique().tolist()
        )
        warehouses = self.env["stock.warehouse"].browse(
            lines["warehouse_id"].unique().tolist()
        )
        product_names = {p.id: p.display_name for p in products}
        lines["unit"] = lines["product_id"].map({p.id: p.uom_id.name for p in products})
        warehouse_codes = {w.id: w.code for w in warehouses}
        labels = lines["product_id"].map(product_names)
        lines["product"] = labels
        lines["warehouse"] = lines["warehouse_id"].map(warehouse_codes)
        if len(warehouses) > 1:
            labels = labels + " / " + lines["warehouse"]
        numbers = [
            col
            for col in LINE_COLUMNS[4:]
            if col != "has_actual" and not col.startswith("adjustment_")
        ]
        lines[numbers] = lines[numbers].astype(float)
        return lines.assign(item_id=labels, period=pd.to_datetime(lines["date_month"]))

    def _workbook_plan(self):
        """The ``plan`` dict of ``engine.workbook.write_workbook``."""
        self.ensure_one()
        lines = self._workbook_lines()
        plan = {"kpis": self._workbook_kpis(lines)}
        if not lines.empty:
            # each item's unit: quantities of several units are totalled per unit
            keys = lines[["item_id", "period", "unit"]]
            plan["demand"] = keys.assign(
                history=lines["history_qty"],
                forecast=lines["forecast_qty"],
                adjustment=lines["adjustment_qty"],
                consensus=lines["consensus_qty"],
            )
            plan["supply"] = keys.assign(
                demand=lines["consensus_qty"],
                prior_demand=lines["prior_demand_qty"],
                receipts=lines["incoming_qty"],
                planned_receipts=lines["planned_receipt_qty"],
                projected_on_hand=lines["planned_on_hand"],
                projected_no_plan=lines["projected_on_hand"],
            )
            plan["financial"] = keys.assign(
                qty=lines["consensus_qty"],
                unit_price=lines["price_unit"],
                unit_cost=lines["cost_unit"],
                revenue=lines["revenue"],
                cost_of_goods=lines["cost"],
                margin=lines["margin"],
                projected_on_hand=lines["planned_on_hand"],
                inventory_value=lines["planned_inventory_value"],
            )
            plan["spend"] = keys.assign(purchase_spend=lines["purchase_spend"])
            plan["accuracy"] = self._workbook_accuracy(lines)
            plan["adjustments"] = self._workbook_adjustments(lines)
            plan["reasons"] = list(self._adjustment_reasons().values())
        plan["scenarios"] = self._workbook_scenarios()
        plan["unscored_scenarios"] = self.env["sop.scenario"].search_count(
            [("cycle_id", "=", self.id), ("state", "!=", "scored")]
        )
        plan["approved_scenario"] = self.approved_scenario_id.name
        plan["policy_backtest"] = self._workbook_policy_backtest()
        return plan

    def _workbook_adjustments(self, lines):
        """The editable Adjustments sheet: one row per line with its key."""
        reasons = self._adjustment_reasons()
        percent = lines["adjustment_mode"].eq("percent")
        keys = [
            self._adjustment_key(product, warehouse, month)
            for product, warehouse, month in zip(
                lines["product_id"],
                lines["warehouse_id"],
                lines["date_month"],
                strict=True,
            )
        ]
        return pd.DataFrame(
            {
                "key": keys,
                "product": lines["product"],
                "warehouse": lines["warehouse"],
                "period": lines["period"],
                "forecast": lines["forecast_qty"],
                "adjustment": lines["adjustment_qty"],
                "adjustment_percent": lines["adjustment_percent"]
                .astype(float)
                .where(percent),
                "reason": lines["adjustment_reason"].map(reasons),
                "reason_note": lines["adjustment_note"],
            }
        )

    def _adjustment_key(self, product_id, warehouse_id, month):
        """The hidden key of a plan line in the workbook: cycle, product,
        warehouse and month, so rows may be sorted and filtered in Excel."""
        return f"{self.id}:{product_id}:{warehouse_id}:{month:%Y-%m}"

    def _adjustment_reasons(self):
        """Reason code -> label in the user's language."""
        field = self.env["sop.plan.line"]._fields["adjustment_reason"]
        return dict(field._description_selection(self.env))

    def action_import_adjustments(self):
        """Open the wizard that imports adjustments from the cycle's workbook."""
        self.ensure_one()
        self._check_adjustment_import()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import Adjustments"),
            "res_model": "sop.adjustment.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_cycle_id": self.id},
        }

    def _check_adjustment_import(self):
        """Planners import adjustments, in demand review, never when frozen."""
        self._check_group(GROUP_PLANNER, self.env._("import adjustments"))
        self._check_not_frozen(self.env._("import adjustments"))
        self._check_state("demand_review")

    def _workbook_kpis(self, lines):
        rows = [
            (self.env._("Cycle"), self.display_name, "text"),
            (self.env._("Planning month"), self.month_label or "", "text"),
            (
                self.env._("Status"),
                dict(self._fields["state"]._description_selection(self.env))[
                    self.state
                ],
                "text",
            ),
            (
                self.env._("Products x warehouses"),
                float(lines["forecast_id"].nunique()) if len(lines) else 0.0,
                "count",
            ),
        ]
        # a total per unit: kilograms and pieces do not add up
        by_unit = lines.groupby("unit")["consensus_qty"].sum() if len(lines) else {}
        if len(by_unit) > 1:
            rows += [
                (self.env._("Consensus demand (%s)", unit), float(total), "number")
                for unit, total in by_unit.items()
            ]
        else:
            rows.append(
                (
                    self.env._("Consensus demand (units)"),
                    float(lines["consensus_qty"].sum()) if len(lines) else 0.0,
                    "number",
                )
            )
        if self.approved_scenario_id:
            rows.append(
                (
                    self.env._("Approved with scenario"),
                    self.approved_scenario_id.name,
                    "text",
                )
            )
        return pd.DataFrame(rows, columns=["kpi", "value", "format"])

    def _workbook_accuracy(self, lines):
        """Per item: model, classes, backtest MASE and the realised accuracy
        (WAPE, bias, forecast value added) of the months with actuals."""
        known = lines[lines["has_actual"].eq(True)]
        actual = known["actual_qty"]
        realised = (
            known.assign(
                error=(actual - known["consensus_qty"]).abs(),
                stat_error=(actual - known["forecast_qty"]).abs(),
                over=known["consensus_qty"] - actual,
            )
            .groupby("forecast_id")[
                ["actual_qty", "consensus_qty", "error", "stat_error", "over"]
            ]
            .sum()
        )
        total = realised["actual_qty"].where(realised["actual_qty"] > 0)
        realised = realised.assign(
            wape=realised["error"] / total,
            bias=realised["over"] / total,
            fva=(realised["stat_error"] - realised["error"]) / total,
        )
        forecasts = self.env["sop.forecast"].browse(
            [int(i) for i in lines["forecast_id"].dropna().unique()]
        )
        label = lines.drop_duplicates("forecast_id").set_index("forecast_id")["item_id"]
        frame = pd.DataFrame(
            {
                "item_id": [label[f.id] for f in forecasts],
                "model": [f.model or "" for f in forecasts],
                "abc": [f.abc or "" for f in forecasts],
                "xyz": [f.xyz or "" for f in forecasts],
                "backtest_mase": [
                    f.mase if f.state == "ok" else np.nan for f in forecasts
                ],
            },
            index=pd.Index(forecasts.ids, name="forecast_id"),
        )
        columns = ["actual_qty", "consensus_qty", "wape", "bias", "fva"]
        frame = frame.join(realised[columns]).rename(
            columns={
                "actual_qty": "actual",
                "consensus_qty": "consensus_of_actual_months",
            }
        )
        return frame.reset_index(drop=True)

    def _workbook_scenarios(self):
        """Scored scenarios, the base plan first, with their monthly spend."""
        scored = self.env["sop.scenario"].search(
            [("cycle_id", "=", self.id), ("state", "=", "scored")]
        )
        rows = []
        for scenario in scored:
            row = {"scenario": scenario.name, "changes": scenario.change_summary}
            row.update({name: scenario[name] for name in RESULT_FIELDS})
            for month in scenario.month_ids:
                row[f"{SPEND_PREFIX}{month.date_month:%Y-%m-%d}"] = month.purchase_spend
            rows.append(row)
        return pd.DataFrame(rows)

    def _workbook_policy_backtest(self):
        """The per-class policy backtest (Summary sheet), rates as shares."""
        rows = [
            {
                "class": row.display_name,
                "policies": row.item_count,
                "replayed": row.replayed_count,
                "target": row.target / 100.0 if row.replayed_count else None,
                "promised": row.promised_fill_rate / 100.0
                if row.replayed_count
                else None,
                "plan_fill_rate": row.plan_fill_rate / 100.0
                if row.replayed_count
                else None,
                "plan_stock_value": row.plan_stock_value,
                "rules": row.rule_count,
                "rules_fill_rate": row.rule_fill_rate / 100.0
                if row.rule_count
                else None,
                "rules_stock_value": row.rule_stock_value if row.rule_count else None,
                "set_fill_rate": row.set_fill_rate / 100.0 if row.rule_count else None,
                "set_stock_value": row.set_stock_value if row.rule_count else None,
            }
            for row in self.policy_backtest_ids
        ]
        return pd.DataFrame(rows)
