from odoo.tests import tagged

from ..models.sop_bulk import bulk_create, bulk_update
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
