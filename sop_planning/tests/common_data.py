from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from .common import SopCase


class SopDataCase(SopCase):
    """SopCase plus ERP data builders: products, sale orders, done moves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_a.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.suppliers = cls.env.ref("stock.stock_location_suppliers")
        cls.unit = cls.env.ref("uom.product_uom_unit")
        cls.dozen = cls.env.ref("uom.product_uom_dozen")
        cls.customer = cls.env["res.partner"].create({"name": "Customer"})
        cls.vendor = cls.env["res.partner"].create({"name": "Vendor"})
        cls.category = cls.env["product.category"].create({"name": "S&OP Test"})
        # month of the plan and last month of history, from today
        cls.this_month = date.today().replace(day=1)

    @classmethod
    def _product(cls, name, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "categ_id": cls.category.id,
                "uom_id": cls.unit.id,
                **vals,
            }
        )

    @classmethod
    def _vendor_price(cls, product, delay, vendor=None, **vals):
        """The ``product.supplierinfo`` of ``product``: bought from ``vendor``
        (the test vendor by default), delivered in ``delay`` days."""
        return cls.env["product.supplierinfo"].create(
            {
                "partner_id": (vendor or cls.vendor).id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "delay": delay,
                **vals,
            }
        )

    @classmethod
    def _sale(
        cls, product, qty, when, uom=None, company=None, state="sale", keep=False
    ):
        """Confirmed sale order line of ``qty`` on date ``when``.

        Its delivery is cancelled (history is past) unless ``keep``.
        """
        company = company or cls.company_a
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        order = (
            env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": company.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "product_uom_id": (uom or product.uom_id).id,
                                "price_unit": 10.0,
                            },
                        )
                    ],
                }
            )
        )
        if state in ("sale", "cancel"):
            order.action_confirm()
        if state == "cancel":
            order._action_cancel()
        elif not keep:
            order.picking_ids.action_cancel()
        order.date_order = datetime.combine(when, datetime.min.time()).replace(hour=12)
        return order

    @classmethod
    def _past_day(cls, offset):
        """The 10th of the month ``offset`` months before the current one."""
        return cls.this_month - relativedelta(months=offset, days=-9)

    @classmethod
    def _monthly_sales(cls, quantities, months=12):
        """One sale of each ``{product: qty}`` in each of the last ``months`` months."""
        for offset in range(1, months + 1):
            for product, qty in quantities.items():
                cls._sale(product, qty, cls._past_day(offset))

    def _lines(self, cycle, product):
        """The cycle's plan lines of ``product``."""
        return cycle.plan_line_ids.filtered(lambda line: line.product_id == product)

    def _forecast(self, cycle, product):
        """The cycle's forecast of ``product``."""
        return cycle.forecast_ids.filtered(lambda f: f.product_id == product)

    def _policy(self, cycle, product):
        """The cycle's inventory policy of ``product``."""
        return cycle.policy_ids.filtered(lambda p: p.product_id == product)

    @classmethod
    def _done_move(cls, product, source, dest, qty, when, **vals):
        move = cls.env["stock.move"].create(
            {
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "company_id": cls.company_a.id,
                **vals,
            }
        )
        move._action_confirm()
        move.quantity = qty
        move.picked = True
        move._action_done()
        move.date = datetime.combine(when, datetime.min.time()).replace(hour=10)
        return move

    def _month(self, offset):
        """First day of the month ``offset`` months from the current one."""
        return self.this_month + relativedelta(months=offset)

    def _next_month_cycle(self, **vals):
        """Next month's cycle on the test warehouse and category, in demand review."""
        cycle = self._new_cycle(
            date_month=self._month(1),
            warehouse_ids=[(6, 0, self.warehouse.ids)],
            product_category_ids=[(6, 0, self.category.ids)],
            **vals,
        )
        cycle.action_start_demand_review()
        return cycle
