import random

from odoo.tests import tagged

from ..models.sop_bulk import bulk_create, bulk_update
from ..models.sop_plan_line import SQL_RECOMPUTED_FIELDS
from .common_policy import SopPolicyCase

AWKWARD = 'Pump "XL", {spare} \\ back-slash, æøå'


@tagged("post_install", "-at_install")
class TestBulkSql(SopPolicyCase):
    """Bulk SQL writes keep every value as the ORM would store it."""

    def test_round_trip_of_awkward_values(self):
        cycle = self._plan(self.pump)
        forecast = cycle.forecast_ids
        Forecast = self.env["sop.forecast"]
        ids = bulk_create(
            Forecast,
            [
                {
                    "cycle_id": cycle.id,
                    "company_id": cycle.company_id.id,
                    "product_id": self.valve.id,
                    "warehouse_id": self.warehouse.id,
                    "state": "skipped",
                    "skip_reason": AWKWARD,
                    "sigma": 2.5,
                    "lead_time_days": 30.0,  # integer-valued float, int column
                    "params": {"alpha": 0.3, "note": AWKWARD},
                },
                {
                    "cycle_id": cycle.id,
                    "company_id": cycle.company_id.id,
                    "product_id": self.orphan.id,
                    "warehouse_id": self.warehouse.id,
                    "state": "ok",
                    "skip_reason": False,
                    "sigma": float("nan"),
                    "params": None,
                },
            ],
        )
        first, second = Forecast.browse(ids)
        self.assertEqual(first.skip_reason, AWKWARD)
        self.assertEqual(first.lead_time_days, 30)
        self.assertEqual(first.params, {"alpha": 0.3, "note": AWKWARD})
        self.assertEqual(first.sigma, 2.5)
        self.assertFalse(second.skip_reason)
        self.assertFalse(second.params)
        self.assertEqual(second.sigma, 0.0, "NaN is stored as empty")

        bulk_update(
            Forecast,
            [forecast.id, second.id],
            {"skip_reason": [AWKWARD, None], "sigma": [1.0, 4.0]},
        )
        self.assertEqual(forecast.skip_reason, AWKWARD)
        self.assertEqual((forecast.sigma, second.sigma), (1.0, 4.0))

    def test_floats_rounded_to_their_digits_as_the_orm_does(self):
        """A plan line's statistical quantity read 12.669035294117647 over
        RPC where the ORM would have stored it to the unit's digits."""
        cycle = self._plan(self.pump)
        first, second = self._lines(cycle, self.pump)[:2]
        value = 12.669035294117647
        bulk_update(self.env["sop.plan.line"], [first.id], {"forecast_qty": [value]})
        second.sudo().write({"forecast_qty": value})
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(first.forecast_qty, second.forecast_qty)
        self.assertNotEqual(first.forecast_qty, value)

    def test_amounts_rounded_to_their_currency_as_the_orm_does(self):
        """A policy's backtest stock value read 1000.7425290362412 over RPC;
        an amount is stored to its company's currency, whatever its
        decimals (none here)."""
        self.env.company.currency_id.rounding = 1.0
        cycle = self._approve(self._plan(self.pump | self.valve))
        first, second = cycle.policy_ids[:2]
        value = 1000.7425290362412
        Policy = self.env["sop.inventory.policy"]
        bulk_update(Policy, [first.id], {"backtest_avg_stock_value": [value]})
        second.sudo().write({"backtest_avg_stock_value": value})
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(first.backtest_avg_stock_value, 1001.0)
        self.assertEqual(second.backtest_avg_stock_value, 1001.0)
        new = Policy.browse(
            bulk_create(
                Policy,
                [
                    {
                        **first.sudo().copy_data()[0],
                        "product_id": self.orphan.id,
                        "state": first.state,
                        "backtest_avg_stock_value": value,
                    }
                ],
            )
        )
        self.assertEqual(new.backtest_avg_stock_value, 1001.0)

    def test_amounts_rounded_to_each_rows_currency(self):
        """Rows of companies whose currencies round differently (cents, whole
        yen) written in one statement: each amount to its own currency."""
        yen = self.env["res.company"].create(
            {"name": "Yen Co", "currency_id": self.env.ref("base.JPY").id}
        )
        cycle = self._plan(self.pump)
        line = self._lines(cycle, self.pump)[0]
        value = 1000.7425290362412
        row = {
            "cycle_id": cycle.id,
            "product_id": self.valve.id,
            "warehouse_id": self.warehouse.id,
            "date_month": line.date_month,
            "adjustment_mode": "qty",
            "revenue": value,
        }
        Line = self.env["sop.plan.line"]
        cents, whole = Line.browse(
            bulk_create(
                Line,
                [
                    {**row, "company_id": cycle.company_id.id},
                    {**row, "company_id": yen.id, "product_id": self.orphan.id},
                ],
            )
        )
        self.assertEqual((cents.revenue, whole.revenue), (1000.74, 1001.0))
        bulk_update(Line, [cents.id, whole.id], {"revenue": [2.005001, 2.5]})
        self.assertEqual((cents.revenue, whole.revenue), (2.01, 3.0))

    def test_pending_orm_write_is_not_lost(self):
        """SQL run while an ORM write is pending: both land, the SQL last."""
        cycle = self._plan(self.pump)
        forecast = cycle.forecast_ids
        Forecast = self.env["sop.forecast"]
        Forecast.flush_model()
        forecast.sudo().sigma = 7.0  # pending in the cache, not yet in the database
        forecast.skip_reason = "kept"
        bulk_update(Forecast, forecast.ids, {"sigma": [3.0]})
        self.env.flush_all()
        forecast.invalidate_recordset()
        self.assertEqual(forecast.sigma, 3.0, "the later SQL value wins")
        self.assertEqual(forecast.skip_reason, "kept", "the ORM write landed")

    def test_bulk_insert_refreshes_the_parent(self):
        cycle = self._plan(self.pump)
        self.assertEqual(len(cycle.forecast_ids), 1)  # cached on the cycle
        values = {"cycle_id": cycle.id, "company_id": cycle.company_id.id}
        bulk_create(
            self.env["sop.forecast"],
            [
                {
                    **values,
                    "product_id": self.valve.id,
                    "warehouse_id": self.warehouse.id,
                    "state": "ok",
                }
            ],
        )
        self.assertEqual(cycle.forecast_ids.product_id, self.pump | self.valve)

    def test_sql_recompute_equals_the_orm_computes(self):
        """``_sql_recompute`` stores what the ORM computes, on random lines."""
        rng = random.Random(18)
        cycle = self._plan(self.pump)
        Line = self.env["sop.plan.line"]
        vals_list = []
        for product in self.valve | self.orphan:
            for offset in range(40):
                vals = {
                    "cycle_id": cycle.id,
                    "company_id": cycle.company_id.id,
                    "product_id": product.id,
                    "warehouse_id": self.warehouse.id,
                    "date_month": self._month(offset),
                    "forecast_qty": round(rng.uniform(0, 500), rng.choice((0, 2))),
                    "has_actual": rng.random() < 0.5,
                    "actual_qty": round(rng.uniform(0, 600), 2),
                    "price_unit": round(rng.uniform(0, 99), rng.choice((2, 4))),
                    "cost_unit": round(rng.uniform(0, 60), rng.choice((2, 5))),
                    "projected_on_hand": round(rng.uniform(-300, 900), 2),
                }
                # adjustments as the server accepts them: a reason, >= -100 %
                vals["adjustment_reason"] = "promotion"
                if rng.random() < 0.5:
                    vals["adjustment_mode"] = "percent"
                    vals["adjustment_percent"] = round(rng.uniform(-100, 90), 3)
                else:
                    floor = -vals["forecast_qty"]
                    vals["adjustment_qty"] = round(rng.uniform(floor, 300), 2)
                vals_list.append(vals)
        lines = Line.create(vals_list) | cycle.plan_line_ids
        computed = list(SQL_RECOMPUTED_FIELDS)
        self.env.flush_all()
        by_orm = self._stored(lines, computed)
        self.env.cr.execute(
            "UPDATE sop_plan_line SET consensus_qty = -1, fva_qty = -1, "
            "revenue = -1, cost = -1, margin = -1, inventory_value = -1, "
            "adjustment_qty = CASE WHEN adjustment_mode = 'percent' "
            "THEN -1 ELSE adjustment_qty END WHERE cycle_id = %s",
            [cycle.id],
        )
        Line._sql_recompute(cycle)
        by_sql = self._stored(lines, computed)
        self.assertEqual(len(by_sql), 92)
        for line_id, values in by_orm.items():
            self.assertEqual(by_sql[line_id], values, f"plan line {line_id}")
        # the refreshed cache reads the new values, nothing pending overwrites them
        self.env.flush_all()
        self.assertEqual(self._stored(lines, computed), by_orm)
        self.assertEqual(
            {line.id: [line[name] for name in computed] for line in lines},
            {line_id: list(values) for line_id, values in by_orm.items()},
        )

    def _stored(self, lines, names):
        """Database values of ``names`` per line id (NULL read as 0, as the ORM)."""
        self.env.cr.execute(
            f"SELECT id, {', '.join(names)} FROM sop_plan_line WHERE id IN %s",
            [tuple(lines.ids)],
        )
        return {
            row[0]: tuple(0.0 if v is None else v for v in row[1:])
            for row in self.env.cr.fetchall()
        }
