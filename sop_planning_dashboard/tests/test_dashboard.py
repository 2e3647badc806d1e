import json
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

DASHBOARD = "sop_planning_dashboard.spreadsheet_dashboard_sop_executive"


@tagged("post_install", "-at_install")
class TestExecutiveDashboard(HttpCase):
    """The dashboard loads for an executive and its sources give the month's figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.executive = new_test_user(
            cls.env, "dash_executive", groups="sop_planning.group_sop_executive"
        )
        cls.last_month = date.today().replace(day=1) - relativedelta(months=1)
        cls.month_before = cls.last_month - relativedelta(months=1)
        main = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        second = cls.env["stock.warehouse"].create(
            {"name": "Dashboard North", "code": "DNO", "company_id": cls.company.id}
        )
        Snapshot = cls.env["sop.kpi.snapshot"]
        Snapshot.search([("company_id", "=", cls.company.id)]).unlink()
        base = {"company_id": cls.company.id}
        # last month: two warehouses; the month before: one, all in order
        Snapshot.create(
            [
                dict(
                    base,
                    warehouse_id=main.id,
                    date_month=cls.last_month,
                    delivery_count=10,
                    otif_count=9,
                    due_qty=100.0,
                    on_time_qty=90.0,
                    stockout_days=12,
                    excess_value=500.0,
                    cogs=1000.0,
                    stock_value_days=36500.0,
                ),
                dict(
                    base,
                    warehouse_id=second.id,
                    date_month=cls.last_month,
                    delivery_count=30,
                    otif_count=15,
                    due_qty=300.0,
                    on_time_qty=210.0,
                    stockout_days=20,
                    excess_value=250.0,
                    cogs=3000.0,
                    stock_value_days=36500.0,
                ),
                dict(
                    base,
                    warehouse_id=main.id,
                    date_month=cls.month_before,
                    delivery_count=10,
                    otif_count=10,
                    due_qty=100.0,
                    on_time_qty=100.0,
                    stockout_days=0,
                    cogs=1000.0,
                    stock_value_days=36500.0,
                ),
            ]
        )
        Accuracy = cls.env["sop.accuracy.month"]
        Accuracy.search([("company_id", "=", cls.company.id)]).unlink()
        cls.pumps = cls.env["product.category"].create({"name": "Dash Pumps"})
        cls.valves = cls.env["product.category"].create({"name": "Dash Valves"})
        Accuracy.create(
            [
                dict(
                    base,
                    date_month=cls.last_month,
                    categ_id=cls.pumps.id,
                    actual_qty=100.0,
                    consensus_qty=120.0,
                    abs_error=20.0,
                    error=20.0,
                    fva_error=5.0,
                ),
                dict(
                    base,
                    date_month=cls.last_month,
                    categ_id=cls.valves.id,
                    actual_qty=300.0,
                    consensus_qty=270.0,
                    abs_error=40.0,
                    error=-30.0,
                    fva_error=15.0,
                ),
            ]
        )

    def _spreadsheet(self):
        dashboard = self.env.ref(DASHBOARD).with_user(self.executive)
        return dashboard, json.loads(dashboard._get_serialized_readonly_dashboard())

    def _pivot(self, data, name, groupby=()):
        """What the pivot ``name`` shows with the month filter on last month."""
        (pivot,) = [p for p in data["pivots"].values() if p["name"] == name]
        domain = list(pivot["domain"])
        for match in pivot["fieldMatching"].values():
            start = self.last_month + relativedelta(months=match["offset"])
            end = start + relativedelta(months=1, days=-1)
            domain += [(match["chain"], ">=", start), (match["chain"], "<=", end)]
        measures = [
            m["id"]
            if m["id"] == "__count"
            else f"{m['fieldName']}:{m.get('aggregator', 'sum')}"
            for m in pivot["measures"]
        ]
        model = self.env[pivot["model"]].with_user(self.executive)
        groups = model.formatted_read_group(domain, list(groupby), measures)
        return groups, measures

    def test_dashboard_loads_for_executives(self):
        dashboard, loaded = self._spreadsheet()
        self.assertEqual(
            dashboard.dashboard_group_id.name,
            "Supply Chain",
            "Dashboards > Supply Chain",
        )
        self.assertIn(self.executive, dashboard.group_ids.user_ids)
        snapshot = loaded["snapshot"]
        self.assertEqual(
            [sheet["name"] for sheet in snapshot["sheets"]], ["Dashboard", "Data"]
        )
        figures = snapshot["sheets"][0]["figures"]
        kinds = [figure["data"]["type"] for figure in figures]
        self.assertEqual(kinds.count("scorecard"), 8)
        self.assertEqual(kinds.count("odoo_line"), 4)
        models = {p["model"] for p in snapshot["pivots"].values()} | {
            figure["data"]["metaData"]["resModel"]
            for figure in figures
            if figure["data"]["type"] == "odoo_line"
        }
        self.assertTrue(
            all(model.startswith("sop.") for model in models),
            f"the dashboard reads S&OP's stored models only: {models}",
        )
        self.assertFalse(self.env.ref(DASHBOARD)._dashboard_is_empty())
        # the trends read the months that are over: a snapshot of this month
        # so far (Compute KPIs mid-month) would end them on a partial month
        for figure in figures:
            if figure["data"]["type"] == "odoo_line":
                self.assertIn(
                    ["date_month", "<", "today =1d"],
                    figure["data"]["searchParams"]["domain"],
                )

    def test_kpi_sources_on_a_hand_built_month(self):
        _dashboard, loaded = self._spreadsheet()
        data = loaded["snapshot"]
        (month,), _m = self._pivot(data, "KPIs (month)")
        # ratios of the sums of both warehouses, not sums of ratios
        self.assertAlmostEqual(month["fill_rate:sum"], 100.0 * 300 / 400)
        self.assertAlmostEqual(month["otif:sum"], 100.0 * 24 / 40)
        self.assertEqual(month["stockout_days:sum"], 32)
        self.assertAlmostEqual(month["excess_value:sum"], 750.0)
        self.assertAlmostEqual(month["turns:sum"], 365.0 * 4000 / 73000)
        (before,), _m = self._pivot(data, "KPIs (previous month)")
        self.assertAlmostEqual(before["fill_rate:sum"], 100.0)
        self.assertEqual(before["stockout_days:sum"], 0)

        (accuracy,), _m = self._pivot(data, "Accuracy (month)")
        self.assertAlmostEqual(accuracy["wape:sum"], 100.0 * 60 / 400)
        self.assertAlmostEqual(accuracy["bias:sum"], 100.0 * -10 / 400)
        self.assertAlmostEqual(accuracy["fva:sum"], 100.0 * 20 / 400)

        by_category, _m = self._pivot(data, "Plan vs actuals by category", ["categ_id"])
        figures = {
            group["categ_id"][1]: (group["consensus_qty:sum"], group["actual_qty:sum"])
            for group in by_category
        }
        self.assertEqual(
            figures, {"Dash Pumps": (120.0, 100.0), "Dash Valves": (270.0, 300.0)}
        )

        # the Data sheet reads those pivots: current and previous month
        cells = data["sheets"][1]["cells"]
        self.assertEqual(cells["B2"], '=IFERROR(ROUND(PIVOT.VALUE(1,"fill_rate"),1),0)')
        self.assertEqual(cells["C2"], '=IFERROR(ROUND(PIVOT.VALUE(2,"fill_rate"),1),0)')

    def test_scenarios_of_the_cycle_under_review(self):
        """Two cycles under review side by side (one per warehouse): each
        cycle's scenarios are listed apart, never added up by name (the two
        base plans read 189 % fill)."""
        warehouses = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=2
        )
        cycles = self.env["sop.cycle"]
        for warehouse in warehouses:
            cycle = self.env["sop.cycle"].create(
                {"note": "dashboard", "warehouse_ids": [Command.set(warehouse.ids)]}
            )
            cycle.action_start_demand_review()
            cycle.action_submit_supply_review()
            cycle.action_submit_reconciliation()
            cycles |= cycle
        scenarios = self.env["sop.scenario"].create(
            [
                {"cycle_id": cycles[0].id, "name": "Dash promo", "demand_pct": 15.0},
                {"cycle_id": cycles[0].id, "name": "Dash late", "lead_time_days": 14},
                {"cycle_id": cycles[1].id, "name": "Dash promo", "demand_pct": 15.0},
                {"cycle_id": cycles[1].id, "name": "Dash stale", "demand_pct": 5.0},
            ]
        )
        scenarios.write({"margin": 1000.0, "fill_rate": 0.95, "state": "scored"})
        # its plan changed since it was scored: its figures are not shown
        scenarios[3].state = "draft"
        _dashboard, loaded = self._spreadsheet()
        groups, _m = self._pivot(
            loaded["snapshot"], "Scenarios of the next cycle", ["cycle_scenario"]
        )
        shown = {
            group["cycle_scenario"]: (group["margin:sum"], group["fill_rate:sum"])
            for group in groups
            if "Dash" in group["cycle_scenario"]
        }
        self.assertEqual(
            shown,
            {
                f"{cycles[0].name}: Dash promo": (1000.0, 0.95),
                f"{cycles[0].name}: Dash late": (1000.0, 0.95),
                f"{cycles[1].name}: Dash promo": (1000.0, 0.95),
            },
        )
        cells = loaded["snapshot"]["sheets"][0]["cells"]
        self.assertIn('"#cycle_scenario",1', cells["B53"])

    def test_top_excess_is_valued_with_the_supply_plan(self):
        cycle = self.env["sop.cycle"].create({"note": "dashboard excess"})
        cycle.action_start_demand_review()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        product = self.env["product.product"].create(
            {"name": "Dash Excess Valve", "is_storable": True}
        )
        forecast = self.env["sop.forecast"].create(
            {
                "cycle_id": cycle.id,
                "company_id": self.company.id,
                "product_id": product.id,
                "warehouse_id": self.env["stock.warehouse"]
                .search([("company_id", "=", self.company.id)], limit=1)
                .id,
            }
        )
        # two months in excess: the highest month-end value, not their sum
        self.env["sop.plan.line"].create(
            [
                {
                    "cycle_id": cycle.id,
                    "forecast_id": forecast.id,
                    "company_id": self.company.id,
                    "product_id": product.id,
                    "warehouse_id": forecast.warehouse_id.id,
                    "date_month": cycle.date_month + relativedelta(months=offset),
                    "is_excess": True,
                    "planned_inventory_value": value,
                }
                for offset, value in ((0, 900.0), (1, 500.0))
            ]
        )
        _dashboard, loaded = self._spreadsheet()
        groups, measures = self._pivot(
            loaded["snapshot"], "Top excess stock", ["product_id"]
        )
        self.assertIn("planned_inventory_value:max", measures)
        self.assertEqual(
            [(g["product_id"][0], g["planned_inventory_value:max"]) for g in groups],
            [(product.id, 900.0)],
        )

    def test_small_shortage_reads_0_not_minus_0(self):
        """A shortage smaller than the whole unit the list shows (0.3 kg)
        reads 0, not -0: every figure of the tables and KPI tiles is rounded
        to the decimals its format shows (the spreadsheet writes -0.3 with
        format #,##0 as "-0")."""
        cycle = self.env["sop.cycle"].create({"note": "dashboard shortage"})
        cycle.action_start_demand_review()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        product = self.env["product.product"].create(
            {
                "name": "Dash Resin",
                "is_storable": True,
                "uom_id": self.env.ref("uom.product_uom_kgm").id,
            }
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        forecast = self.env["sop.forecast"].create(
            {
                "cycle_id": cycle.id,
                "company_id": self.company.id,
                "product_id": product.id,
                "warehouse_id": warehouse.id,
            }
        )
        self.env["sop.plan.line"].create(
            {
                "cycle_id": cycle.id,
                "forecast_id": forecast.id,
                "company_id": self.company.id,
                "product_id": product.id,
                "warehouse_id": warehouse.id,
                "date_month": cycle.date_month,
                "is_shortage": True,
                "projected_on_hand": -0.3,
            }
        )
        _dashboard, loaded = self._spreadsheet()
        data = loaded["snapshot"]
        groups, _m = self._pivot(data, "Top shortages", ["product_id"])
        self.assertEqual(
            [(g["product_id"][0], g["projected_on_hand:min"]) for g in groups],
            [(product.id, -0.3)],
        )
        # its lowest projected stock, first row of the list: rounded to whole
        # units
        sheet = data["sheets"][0]
        self.assertEqual(
            sheet["cells"]["C62"],
            '=IF(A62="","",IFERROR(ROUND('
            'PIVOT.VALUE(7,"projected_on_hand:min","#product_id",1),0),""))',
        )
        self.assertEqual(data["formats"][str(sheet["formats"]["C62"])], "#,##0")
        # and so is every figure of the tables and of the KPI tiles' sheet
        places = {"#,##0": 0, "0.0": 1, "0.0%": 3}
        for each in data["sheets"]:
            for cell, format_id in each["formats"].items():
                number_format = data["formats"][str(format_id)]
                for name in _cells(cell):
                    self.assertIn(
                        f"),{places[number_format]})",
                        each["cells"][name],
                        f"{each['name']}!{name} rounds to what {number_format} shows",
                    )
                    self.assertIn("ROUND(PIVOT.VALUE(", each["cells"][name])

    def test_tour_executive_opens_dashboard_then_chart(self):
        """The executive opens the dashboard, then a product's planning chart."""
        category = self.env["product.category"].create({"name": "Dash Tour"})
        product = self.env["product.product"].create(
            {"name": "Dash Tour Pump", "is_storable": True, "categ_id": category.id}
        )
        cycle = self.env["sop.cycle"].create(
            {
                "date_month": date.today().replace(day=1) + relativedelta(months=1),
                "product_category_ids": [Command.set(category.ids)],
            }
        )
        forecast = self.env["sop.forecast"].create(
            {
                "cycle_id": cycle.id,
                "company_id": self.company.id,
                "product_id": product.id,
                "warehouse_id": self.env["stock.warehouse"]
                .search([("company_id", "=", self.company.id)], limit=1)
                .id,
            }
        )
        self.env["sop.plan.line"].create(
            {
                "cycle_id": cycle.id,
                "forecast_id": forecast.id,
                "company_id": self.company.id,
                "product_id": product.id,
                "warehouse_id": forecast.warehouse_id.id,
                "date_month": cycle.date_month,
                "forecast_qty": 40.0,
            }
        )
        self.start_tour(
            "/odoo/dashboards",
            "sop_dashboard_executive",
            login="dash_executive",
            timeout=300,
        )


def _cells(reference):
    """The cell names of ``reference`` ("B2", or "B2:C2" on one row)."""
    first, _sep, last = reference.partition(":")
    if not last:
        return [first]
    row = first[1:]
    return [f"{col}{row}" for col in "ABCDEFGH" if first[0] <= col <= last[0]]
