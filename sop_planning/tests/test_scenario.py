import base64
import io
from unittest.mock import patch

import openpyxl
import pandas as pd
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs

from ..engine import SHEETS, Scenario, score_scenarios
from ..models import sop_step_run
from ..models.sop_cycle_scenario import SCENARIO_PATHS, SCENARIO_SEED
from ..models.sop_scenario import RESULT_FIELDS
from .common_policy import MONTH_DAYS, SopPolicyCase
from .test_step_jobs import (
    _assert_step_refused,
    _perform_chunk_jobs,
    _trapped_jobs_kept,
)


@tagged("post_install", "-at_install")
class TestScenario(SopPolicyCase):
    """What-if scenarios scored by the engine, approval with one, workbook."""

    def _review(self, products):
        """A flat plan of ``products`` in executive review."""
        cycle = self._plan(products)
        self._to_executive_review_from_demand(cycle)
        return cycle

    def test_scores_equal_direct_engine_call(self):
        cycle = self._review(self.pump | self.valve)
        scenarios = [
            self._scenario(cycle, name="Demand +20 %", demand_pct=20, price_pct=5),
            self._scenario(
                cycle, name="Late", lead_time_days=14, moq_pct=50, service_level=98
            ),
            self._scenario(
                cycle,
                name="Category -10 %",
                category_line_ids=[
                    Command.create({"categ_id": self.category.id, "demand_pct": -10})
                ],
            ),
        ]
        cycle.with_user(self.planner).action_score_scenarios()
        inputs = cycle._scenario_inputs()
        self.assertEqual(len(inputs.items), 2)
        self.assertAlmostEqual(
            inputs.demand["qty"].sum(),
            sum(cycle.plan_line_ids.mapped("consensus_qty")),
            places=6,
        )
        expected = score_scenarios(
            inputs,
            [
                Scenario("d", demand_pct=20, price_pct=5),
                Scenario("l", lead_time_days=14, moq_pct=50, service_level=0.98),
                Scenario("c", category_demand_pct={str(self.category.id): -10}),
            ],
            n_paths=SCENARIO_PATHS,
            seed=SCENARIO_SEED,
        )
        base = cycle.scenario_ids.filtered("is_base")
        self.assertEqual(len(base), 1, "the base plan is kept as a scenario")
        records = base + self.env["sop.scenario"].concat(*scenarios)
        self.assertEqual(records.mapped("state"), ["scored"] * 4)
        for record, (_, row) in zip(records, expected.iterrows(), strict=True):
            for name in ("fill_rate", "stockout_risk"):
                self.assertAlmostEqual(record[name], row[name], places=6)
            for name in RESULT_FIELDS[2:]:
                self.assertAlmostEqual(record[name], row[name], delta=0.01, msg=name)
            self.assertAlmostEqual(
                record.margin_diff, row["margin"] - expected["margin"][0], delta=0.02
            )
            self.assertEqual(len(record.month_ids), 12)
            self.assertAlmostEqual(
                sum(record.month_ids.mapped("purchase_spend")),
                record.purchase_spend,
                delta=0.2,
            )
        self.assertGreater(scenarios[0].revenue, base.revenue * 1.2)
        self.assertLess(scenarios[2].revenue, base.revenue)

    def test_cycle_prepared_ahead_is_scored_on_its_own_months(self):
        """Next month's cycle with a weekly vendor (protection under a month):
        the scored policies size lead-time demand on the plan's months, not
        on today's month that has no plan line."""
        self.vendor.sop_order_interval_days = 7
        cycle = self._plan(self.pump | self.valve, ahead=1)
        # demand before the plan's first month, for one item only, as a
        # depot's pull a transfer lead time earlier gives its source
        valve_line = cycle.plan_line_ids.filtered(
            lambda line: line.product_id == self.valve
        )[:1]
        valve_line.sudo().copy({"date_month": self._month(0)})
        self._to_executive_review_from_demand(cycle)
        cycle.with_user(self.planner).action_score_scenarios()
        inputs = cycle._scenario_inputs()
        self.assertEqual(inputs.demand["period"].min().date(), cycle.date_month)
        base = cycle._base_scenario()
        self.assertGreater(base.fill_rate, 0.9)

    def test_plan_change_outdates_scores(self):
        # adjustments are made in demand review: the supply data as the
        # supply review of an earlier pass would have left it
        cycle = self._plan(self.pump)
        self._forecast(cycle, self.pump).sudo().write(
            {"vendor_id": self.vendor.id, "lead_time_days": 30.0}
        )
        scenario = self._scenario(cycle, demand_pct=20)
        cycle.with_user(self.planner).action_score_scenarios()
        scored = cycle.scenario_ids
        self.assertEqual(set(scored.mapped("state")), {"scored"})
        cycle.plan_line_ids[:1].with_user(self.planner).write(
            {"adjustment_qty": 50.0, "adjustment_reason": "promotion"}
        )
        self.assertEqual(set(scored.mapped("state")), {"draft"})
        self.assertEqual(scenario.state, "draft", "rescore before comparing")
        cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(scenario.state, "scored")

    def test_planner_cannot_type_in_scores(self):
        """Scores are the simulation's: refused by hand over RPC or import."""
        cycle = self._review(self.pump)
        scenario = self._scenario(cycle, demand_pct=20)
        cycle.with_user(self.planner).action_score_scenarios()
        scored = scenario.fill_rate
        with self.assertRaisesRegex(UserError, "computed by scenario scoring"):
            scenario.with_user(self.planner).write({"fill_rate": 1.0})
        with self.assertRaisesRegex(UserError, "Margin vs Base"):
            self._scenario(cycle, name="Faked", margin_diff=1e6)
        self.assertEqual(scenario.fill_rate, scored)
        with self.assertRaisesRegex(UserError, "computed by scenario scoring"):
            self.env["sop.scenario.month"].with_user(self.planner).create(
                {
                    "scenario_id": scenario.id,
                    "date_month": self._month(1),
                    "revenue": 1e6,
                }
            )
        # Duplicate: the deltas, not the scores
        copy = scenario.with_user(self.planner).copy()
        self.assertEqual(copy.name, "Scenario (copy)")
        again = scenario.with_user(self.planner).copy()
        self.assertEqual(again.name, "Scenario (copy 2)", "a name of its own")
        self.assertEqual(copy.demand_pct, 20)
        self.assertEqual((copy.state, copy.fill_rate), ("draft", 0.0))
        self.assertFalse(copy.month_ids)
        scenario.with_user(self.planner).demand_pct = 10  # the deltas stay free
        self.assertEqual(scenario.state, "draft")

    def _scores(self, cycle):
        return {
            scenario.name: (
                scenario.state,
                *(round(scenario[name], 6) for name in RESULT_FIELDS),
                tuple(
                    (m.date_month, round(m.revenue, 6), round(m.purchase_spend, 6))
                    for m in scenario.month_ids.sorted("date_month")
                ),
            )
            for scenario in cycle.scenario_ids
        }

    def test_scoring_counts_each_scenario_to_go_to_the_background(self):
        """2 products under a threshold of 4 run in the request, but scored
        for the base plan and 2 scenarios (6 evaluations) they are queued."""
        cycle = self._review(self.pump | self.valve)
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 4
        )
        cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(cycle.step_run_ids.sorted("id")[-1].mode, "inline")
        self._scenario(cycle, name="Demand +20 %", demand_pct=20)
        self._scenario(cycle, name="Late", lead_time_days=14)
        with trap_jobs():
            action = cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(cycle.step_run_ids.sorted("id")[-1].mode, "jobs")

    def test_large_plan_scored_by_jobs_as_in_the_request(self):
        cycle = self._review(self.pump | self.valve)
        self._scenario(cycle, name="Demand +20 %", demand_pct=20)
        self._scenario(cycle, name="Late", lead_time_days=14)
        params = self.env["ir.config_parameter"].sudo()
        # one product per chunk (and per scoring block): 2 chunks
        with patch.object(sop_step_run, "CHUNK_SIZE", 1):
            cycle.with_user(self.planner).action_score_scenarios()
            inline = self._scores(cycle)
            run = cycle.step_run_ids.sorted("id")[-1]
            self.assertEqual((run.step, run.mode), ("scoring", "inline"))
            cycle.scenario_ids.sudo().write({"state": "draft", "fill_rate": 0.0})
            cycle.scenario_ids.month_ids.sudo().unlink()
            params.set_param(sop_step_run.THRESHOLD_PARAM, 0)
            with trap_jobs() as trap:
                action = cycle.with_user(self.planner).action_score_scenarios()
                self.assertEqual(action["tag"], "display_notification")
                self.assertEqual(
                    set(cycle.scenario_ids.mapped("state")), {"draft"}, "not yet"
                )
                run = cycle.step_run_ids.sorted("id")[-1]
                self.assertEqual((run.step, run.mode), ("scoring", "jobs"))
                self.assertIn("Scenario scoring: preparing", cycle.step_progress)
                with (
                    self.assertRaisesRegex(UserError, "busy: Scenario scoring"),
                    _trapped_jobs_kept(),
                ):
                    cycle.with_user(self.planner).action_score_scenarios()
                trap.perform_enqueued_jobs()  # prepare: 2 chunks + finalize
                self.assertEqual(len(run.chunk_ids), 2)
                trap.assert_jobs_count(2 + 1)
                chunk_jobs = _perform_chunk_jobs(self, trap)
                self.assertIn("2 / 2 chunks", cycle.step_progress)
                # a repeated chunk, even one whose commit was lost, adds nothing
                self.assertIn("nothing to do", chunk_jobs[0].perform())
                chunk_jobs[0].recordset.sudo().state = "pending"
                chunk_jobs[0].perform()
                trap.perform_enqueued_jobs()  # finalize
        self.assertEqual(run.state, "done")
        self.assertEqual(self._scores(cycle), inline)
        self.assertEqual(set(cycle.scenario_ids.mapped("state")), {"scored"})

    def test_unscorable_plan_by_jobs_is_reported_on_the_cycle(self):
        cycle = self._review(self.orphan)  # no vendor lead time
        self.env["ir.config_parameter"].sudo().set_param(
            sop_step_run.THRESHOLD_PARAM, 0
        )
        with trap_jobs() as trap:
            cycle.with_user(self.planner).action_score_scenarios()
            # the prepare plans the policies: it finds nothing to score, the
            # user's to mend, told at its first try
            (prepare,) = trap.enqueued_jobs
            self.assertEqual(prepare.perform(), "failed")
        run = cycle.step_run_ids.filtered(lambda r: r.step == "scoring")
        self.assertEqual(run.state, "failed")
        self.assertIn("no forecast with a vendor lead time", run.error)
        self.assertIn("Scenario scoring failed", cycle.message_ids[0].body)

    def test_user_cannot_start_the_scoring(self):
        cycle = self._review(self.pump)
        _assert_step_refused(
            self, cycle, self.sop_user, "action_score_scenarios", "scoring"
        )

    def test_approve_with_later_lead_time_raises_reorder_points(self):
        cycle = self._review(self.pump)
        reorder_point = cycle._compute_policies().reorder_point
        late = self._scenario(cycle, name="Vendor late", lead_time_days=14)
        cycle.with_user(self.executive).approved_scenario_id = late
        # its figures not seen: refused
        with self.assertRaisesRegex(UserError, "Vendor late is not scored"):
            cycle.with_user(self.executive).action_approve()
        self.assertEqual(cycle.state, "executive_review")
        cycle.with_user(self.planner).action_score_scenarios()
        cycle.with_user(self.executive).action_approve()
        policy = cycle.policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        self.assertEqual(policy.lead_time_days, 30 + 14)
        # 14 more days of 10 a day, plus the safety stock of a longer wait
        self.assertGreater(policy.reorder_point, reorder_point + 140)
        self.assertAlmostEqual(
            policy.orderpoint_id.sudo().product_min_qty, policy.reorder_point, delta=1
        )
        self.assertIn("Vendor late", cycle.message_ids[:3].mapped("body")[0])

    def test_the_plan_shows_what_its_approved_scenario_scored(self):
        """Approved with a scenario, the cycle and its workbook's Summary
        show that scenario's simulated fill, stock and spend (the Summary
        showed the base plan's next to the scenario's name)."""
        cycle = self._review(self.pump | self.valve)
        late = self._scenario(cycle, name="Vendor late", lead_time_days=14)
        cycle.with_user(self.planner).action_score_scenarios()
        base = cycle._base_scenario()
        self.assertNotAlmostEqual(late.avg_stock_value, base.avg_stock_value)
        cycle.with_user(self.executive).approved_scenario_id = late
        cycle.with_user(self.executive).action_approve()
        executive = cycle.with_user(self.executive)
        self.assertEqual(executive.approved_scenario_state, "scored")
        self.assertEqual(executive.approved_fill_rate, late.fill_rate)
        self.assertEqual(executive.approved_avg_stock_value, late.avg_stock_value)
        self.assertEqual(executive.approved_purchase_spend, late.purchase_spend)
        action = executive.action_export_workbook()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        summary = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas)), data_only=True
        )["Summary"]
        figures = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
        self.assertEqual(figures["Approved with scenario"], "Vendor late")
        self.assertAlmostEqual(
            figures["Average stock value (simulated)"], late.avg_stock_value, places=2
        )

    def test_a_scenario_says_what_it_changes_and_its_name_is_its_own(self):
        """The comparison shows what each scenario changes (the executive
        chose by the names planners typed); two of one name in a cycle are
        refused (the dashboard added their figures up: a fill rate of 190 %),
        and rates of several scenarios average."""
        cycle = self._review(self.pump)
        promotion = self._scenario(
            cycle,
            name="Promotion",
            lead_time_days=14,
            service_level=98,
            category_line_ids=[
                Command.create({"categ_id": self.category.id, "demand_pct": 15})
            ],
        )
        self.assertEqual(
            promotion.change_summary,
            f"demand +15 % in {self.category.display_name}, lead time +14 days, "
            "service level 98 %",
        )
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self._scenario(cycle, name="Promotion", demand_pct=5)
        self._scenario(cycle, name="Late", lead_time_days=30)
        cycle.with_user(self.planner).action_score_scenarios()
        # a pivot asks each measure with its field's aggregator
        fields = self.env["sop.scenario"].fields_get(["fill_rate", "stockout_risk"])
        aggregator = {name: field["aggregator"] for name, field in fields.items()}
        ((total,),) = self.env["sop.scenario"].formatted_read_grouping_sets(
            [("cycle_id", "=", cycle.id)],
            [[]],
            [f"fill_rate:{aggregator['fill_rate']}"],
        )
        fills = cycle.scenario_ids.mapped("fill_rate")
        self.assertAlmostEqual(
            total[f"fill_rate:{aggregator['fill_rate']}"], sum(fills) / 3
        )
        self.assertEqual(aggregator["stockout_risk"], "avg")

    def test_a_duplicate_keeps_the_scenarios_to_compare_again(self):
        """Duplicated for next month, a cycle keeps its what-if scenarios
        (deltas and category lines) as drafts to score again; not the base
        plan, nor any score."""
        cycle = self._review(self.pump)
        self._scenario(
            cycle,
            name="Pumps -10 %",
            category_line_ids=[
                Command.create({"categ_id": self.category.id, "demand_pct": -10})
            ],
        )
        self._scenario(cycle, name="Vendor late", lead_time_days=14)
        cycle.with_user(self.planner).action_score_scenarios()
        copy = cycle.with_user(self.planner).copy({"date_month": self._month(1)})
        scenarios = copy.scenario_ids
        self.assertEqual(scenarios.mapped("name"), ["Pumps -10 %", "Vendor late"])
        self.assertEqual(scenarios.mapped("state"), ["draft", "draft"])
        self.assertEqual(scenarios.mapped("fill_rate"), [0.0, 0.0])
        self.assertEqual(scenarios[0].category_line_ids.demand_pct, -10)
        self.assertEqual(scenarios[1].lead_time_days, 14)
        self.assertEqual(len(cycle.scenario_ids), 3, "the original keeps its own")

    def test_approve_with_lower_demand_scales_recent_demand_too(self):
        # recent sales of 600 a month are above the plan: the policy's level
        for offset in range(1, 12):
            self._sale(self.pump, 600.0, self._past_day(offset))
        cycle = self._plan(self.pump)
        self._to_executive_review_from_demand(cycle)
        lower = self._scenario(cycle, name="Demand -50 %", demand_pct=-50)
        cycle.with_user(self.planner).action_score_scenarios()
        cycle.with_user(self.executive).approved_scenario_id = lower
        cycle.with_user(self.executive).action_approve()
        policy = cycle.policy_ids
        self.assertEqual(policy.state, "applied", policy.skip_reason)
        # half of 600 a month over the 30-day lead time, not the full 600
        self.assertAlmostEqual(policy.lead_time_demand, 300.0 * 30 / MONTH_DAYS, 1)

    def test_only_executives_choose_the_scenario_in_review(self):
        cycle = self._plan(self.pump)
        late = self._scenario(cycle, name="Vendor late", lead_time_days=14)
        with self.assertRaises(UserError):
            cycle.with_user(self.executive).approved_scenario_id = late
        self._to_executive_review_from_demand(cycle)
        with self.assertRaises(AccessError):
            cycle.with_user(self.planner).approved_scenario_id = late
        with self.assertRaises(AccessError):
            cycle.with_user(self.planner).action_approve()
        self.assertFalse(cycle.approved_scenario_id)
        self.assertEqual(cycle.state, "executive_review")

    def test_a_rejected_plan_releases_its_chosen_scenario(self):
        """The executive chose a scenario, then rejected the plan to have it
        reworked: the choice goes with the rejection, so the planners may
        change or delete the scenario."""
        cycle = self._review(self.pump)
        late = self._scenario(cycle, name="Vendor late", lead_time_days=14)
        cycle.with_user(self.executive).approved_scenario_id = late
        cycle.with_user(self.executive)._reject("Rework the late vendor")
        self.assertEqual(cycle.state, "reconciliation")
        self.assertFalse(cycle.approved_scenario_id)
        late.with_user(self.planner).lead_time_days = 21
        self.assertEqual(late.lead_time_days, 21)

    def test_other_company_sees_no_scenarios(self):
        cycle = self._review(self.pump)
        self._scenario(cycle, demand_pct=10)
        cycle.with_user(self.planner).action_score_scenarios()
        self.assertEqual(
            self.env["sop.scenario"].with_user(self.sop_user).search_count([]), 2
        )
        for model in ("sop.scenario", "sop.scenario.month"):
            self.assertFalse(
                self.env[model].with_user(self.planner_b).search([]),
                f"company B sees none of company A's {model}",
            )

    def test_workbook_summary_totals_demand_per_unit(self):
        """Kilograms and pieces do not add up: a plan of both gives the
        consensus per unit on the Summary (it gave one sum of both)."""
        cycle = self._plan(self.pump)
        lines = pd.DataFrame(
            {
                "forecast_id": [1, 1, 2],
                "unit": ["Units", "Units", "kg"],
                "consensus_qty": [10.0, 5.0, 2.5],
            }
        )
        kpis = cycle._workbook_kpis(lines).set_index("kpi")["value"]
        self.assertEqual(kpis["Consensus demand (Units)"], 15.0)
        self.assertEqual(kpis["Consensus demand (kg)"], 2.5)
        self.assertNotIn("Consensus demand (units)", kpis)
        alone = cycle._workbook_kpis(lines[lines["unit"] == "Units"])
        self.assertIn("Consensus demand (units)", alone["kpi"].tolist())

    def test_workbook_sheets_total_quantities_per_unit(self):
        """A plan of pieces and kilograms: the Demand plan's All items rows
        give the consensus per unit (they gave one sum of both), the
        Financial sheet's money still adds up."""
        flour = self._product(
            "Flour", standard_price=2.0, uom_id=self.env.ref("uom.product_uom_kgm").id
        )
        cycle = self._plan(self.pump | flour)
        action = cycle.with_user(self.sop_user).action_export_workbook()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[-1].split("?")[0])
        )
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas)), data_only=True
        )
        totals = {
            row[1]: row[-1]
            for row in book["Demand plan"].iter_rows(values_only=True)
            if row[0] == "All items"
        }
        lines = cycle.plan_line_ids
        for product in self.pump | flour:
            self.assertAlmostEqual(
                totals[f"Consensus ({product.uom_id.name})"],
                sum(
                    lines.filtered(lambda x, p=product: x.product_id == p).mapped(
                        "consensus_qty"
                    )
                ),
                places=3,
            )
        self.assertNotIn("Consensus", totals)

    def test_workbook_export(self):
        cycle = self._plan(self.pump | self.valve)
        cycle.plan_line_ids[:2].with_user(self.planner).write(
            {"adjustment_qty": 50.0, "adjustment_reason": "promotion"}
        )
        self._to_executive_review_from_demand(cycle)
        self._scenario(cycle, name="Demand +20 %", demand_pct=20)
        cycle.with_user(self.planner).action_score_scenarios()
        action = cycle.with_user(self.sop_user).action_export_workbook()
        attachment_id = int(action["url"].split("/")[-1].split("?")[0])
        attachment = (
            self.env["ir.attachment"].with_user(self.sop_user).browse(attachment_id)
        )
        self.assertEqual(attachment.res_id, cycle.id)
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas)), data_only=True
        )
        self.assertEqual(book.sheetnames, list(SHEETS))
        demand = list(book["Demand plan"].iter_rows(values_only=True))
        self.assertEqual(demand[0][:2], ("Item", "Measure"))
        self.assertEqual(demand[0][-1], "Total")
        measures = [row[1] for row in demand[1:5]]
        self.assertEqual(
            measures, ["History (last year)", "Forecast", "Adjustment", "Consensus"]
        )
        consensus = next(r for r in demand if r[:2] == ("All items", "Consensus"))
        expected = sum(cycle.plan_line_ids.mapped("consensus_qty"))
        self.assertAlmostEqual(consensus[-1], expected, places=3)
        self.assertAlmostEqual(expected, 24 * 10 * MONTH_DAYS + 100.0, delta=1.0)
        scenarios = list(book["Scenarios"].iter_rows(values_only=True))
        self.assertEqual(scenarios[0][:3], ("Scenario", "Changes", "Fill rate"))
        self.assertEqual(
            [row[0] for row in scenarios[1:3]], ["Base plan", "Demand +20 %"]
        )
        # what each changes, not only the name a planner typed
        self.assertEqual(
            [row[1] for row in scenarios[1:3]], ["the plan as it is", "demand +20 %"]
        )
