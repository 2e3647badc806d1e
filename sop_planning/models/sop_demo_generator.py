import logging

import numpy as np
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from .sop_common import first_of_this_month

_logger = logging.getLogger(__name__)

MONTHS = 36
# months of average demand a buyer without S&OP keeps (plus one deviation)
COVER_MONTHS = 1.8
# products on one customer order
ORDER_LINES = 3
SEED = 20261125

# name, pattern, vendor index of each product family
CATEGORIES = [
    ("Pumps", "seasonal", 0),
    ("Valves", "trending", 1),
    ("Filters", "erratic", 2),
    ("Spare Parts", "intermittent", 3),
]
# name, lead time (days), share of late receipts, mean delay when late (days)
VENDORS = [
    ("Nordic Pumps A/S", 21, 0.05, 4),
    ("Valvex GmbH", 14, 0.10, 6),
    ("FilterTech Ltd", 10, 0.15, 5),
    ("Parts Direct Inc", 30, 0.20, 8),
    ("Slowboat Trading", 45, 0.45, 15),
]
# the vendors' order terms: days between orders, minimum order value
VENDOR_TERMS = {
    "Nordic Pumps A/S": (14, 5000.0),
    "Valvex GmbH": (7, 2000.0),
    "FilterTech Ltd": (7, 1500.0),
    "Parts Direct Inc": (14, 1000.0),
    "Slowboat Trading": (30, 3000.0),
}
# A depot resupplied from the main warehouse by Odoo's own route: these
# families are sold there too, this share of their demand, and moved to it
# by transfers of TRANSFER_DAYS (one in six a few days late).
DEPOT_FAMILIES = ("Pumps", "Filters")
DEPOT_SHARE = 0.4
DEPOT_COVER = 1.5
TRANSFER_DAYS = 2


class SopDemoGenerator(models.AbstractModel):
    """Build the demo company's catalogue and three years of history.

    About 40 products in 4 families with seasonal, trending, erratic and
    intermittent demand, 5 vendors (one of them often late; order terms of
    one to four weeks and a minimum order value), confirmed and
    delivered sales, received purchases, stock on hand, open purchase
    orders, a depot resupplied from the main warehouse by Odoo's own route
    (two families sold there too, moved by done transfers), a plan approved
    six months ago (measured in the accuracy ledger), a year of KPI
    snapshots, this month's approved plan with its reordering rules,
    reorder proposals and vendor orders, and next month's cycle in
    reconciliation with its forecast and three scored what-if scenarios.
    Runs with ``--with-demo`` only.
    """

    _name = "sop.demo.generator"
    _description = "S&OP Demo Data Generator"

    @api.model
    def _generate(self):
        """Create the demo data once; return the demo cycle."""
        if self.env.ref("sop_planning.sop_demo_cycle", raise_if_not_found=False):
            return self.env.ref("sop_planning.sop_demo_cycle")
        rng = np.random.default_rng(SEED)
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        vendors = self._create_vendors()
        products, patterns = self._create_products(rng, vendors)
        demand = self._demand_matrix(rng, patterns)
        customers = self._create_customers()
        depot, at_depot = self._create_depot(warehouse, products)
        first_month = first_of_this_month(self) - relativedelta(months=MONTHS)
        on_hand = np.zeros(len(products))
        depot_stock = np.zeros(len(products))
        for month_index in range(MONTHS):
            month = first_month + relativedelta(months=month_index)
            received, receipt_day = self._replenish(
                rng, warehouse, products, demand[:, :month_index], month, on_hand
            )
            depot_demand = np.round(demand[:, month_index] * DEPOT_SHARE) * at_depot
            # the depot is topped up at the month's start to DEPOT_COVER
            # months of its demand, as far as the main stock can send it
            depot_qty = np.minimum(
                np.maximum(np.ceil(DEPOT_COVER * depot_demand) - depot_stock, 0.0),
                np.maximum(on_hand, 0.0),
            )
            self._transfer(rng, warehouse, depot, products, depot_qty, month)
            on_hand = self._sell(
                rng,
                warehouse,
                (products, customers),
                demand[:, month_index] - depot_demand,
                month,
                (on_hand - depot_qty, received, receipt_day),
            )
            no_receipt = np.full(len(products), np.inf)
            depot_stock = self._sell(
                rng,
                depot,
                (products, customers),
                depot_demand,
                month,
                (depot_stock + depot_qty, np.zeros(len(products)), no_receipt),
            )
            _logger.info("S&OP demo: month %s generated", month)
        self._create_open_purchases(products)
        return self._create_cycles(warehouse | depot, products)

    @api.model
    def _create_vendors(self):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "sop_order_interval_days": VENDOR_TERMS[name][0],
                    "sop_min_order_value": VENDOR_TERMS[name][1],
                }
                for name, *_ in VENDORS
            ]
        )
        return list(zip(partners, VENDORS, strict=True))

    @api.model
    def _create_depot(self, warehouse, products):
        """A depot resupplied from ``warehouse`` (Odoo's "Resupply From"
        route, a transit of ``TRANSFER_DAYS``) for the depot families.

        Returns the depot and a 0/1 array of the products it sells.
        """
        depot = self.env["stock.warehouse"].create(
            {
                "name": "Depot Copenhagen",
                "code": "CPH",
                "resupply_wh_ids": [Command.set(warehouse.ids)],
            }
        )
        route = depot.resupply_route_ids
        route.rule_ids.filtered(
            lambda rule: rule.location_dest_id == depot.lot_stock_id
        ).delay = TRANSFER_DAYS
        at_depot = np.array(
            [p.categ_id.name in DEPOT_FAMILIES for p in products], dtype=float
        )
        products.filtered(lambda p: p.categ_id.name in DEPOT_FAMILIES).route_ids = route
        return depot, at_depot

    @api.model
    def _transfer(self, rng, warehouse, depot, products, quantities, month):
        """Done transfers main stock -> transit -> depot, at the month's start."""
        transit = warehouse.company_id.internal_transit_location_id
        legs = ((warehouse.lot_stock_id, transit), (transit, depot.lot_stock_id))
        moves = self.env["stock.move"].create(
            [
                {
                    "product_id": product.id,
                    "product_uom_qty": float(qty),
                    "product_uom": product.uom_id.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "company_id": warehouse.company_id.id,
                }
                for product, qty in zip(products, quantities, strict=True)
                if qty > 0
                for source, dest in legs
            ]
        )
        if not moves:
            return
        moves._action_confirm()
        for move in moves:
            move.quantity = move.product_uom_qty
        moves.picked = True
        moves._action_done()
        promised = fields.Datetime.to_datetime(month)
        late = rng.random() < 1 / 6
        done = promised + relativedelta(days=int(rng.integers(2, 6)) if late else 0)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_move SET date = %s, date_deadline = %s WHERE id IN %s",
                done,
                promised,
                tuple(moves.ids),
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE stock_move_line SET date = %s WHERE move_id IN %s",
                done,
                tuple(moves.ids),
            )
        )
        self.env.invalidate_all()

    @api.model
    def _create_customers(self):
        return self.env["res.partner"].create(
            [
                {"name": name, "is_company": True}
                for name in ("Aarhus Utilities", "Baltic Shipyards", "City Hospital")
            ]
        )

    @api.model
    def _create_products(self, rng, vendors):
        root = self.env["product.category"].create({"name": "S&OP Demo"})
        vals_list, patterns = [], []
        for name, pattern, vendor_index in CATEGORIES:
            category = self.env["product.category"].create(
                {"name": name, "parent_id": root.id}
            )
            vendor, (_vname, lead_time, *_rest) = vendors[vendor_index]
            for number in range(1, 11):
                cost = float(np.round(rng.uniform(5, 400), 2))
                patterns.append(pattern)
                vals_list.append(
                    {
                        "name": f"{name.removesuffix('s')} {number:02d}",
                        "default_code": f"{name[:3].upper()}-{number:03d}",
                        "type": "consu",
                        "is_storable": True,
                        "categ_id": category.id,
                        "standard_price": cost,
                        "list_price": float(np.round(cost * rng.uniform(1.3, 2.2), 2)),
                        "seller_ids": [
                            Command.create(
                                {
                                    "partner_id": vendor.id,
                                    "price": cost,
                                    "delay": lead_time,
                                    "min_qty": float(rng.choice([1, 5, 10, 25])),
                                }
                            )
                        ],
                    }
                )
        # Slowboat is a second, slower source for the first pumps.
        slow_vendor, (_n, slow_lead, *_r) = vendors[4]
        for vals in vals_list[:3]:
            vals["seller_ids"].append(
                Command.create(
                    {"partner_id": slow_vendor.id, "delay": slow_lead, "sequence": 20}
                )
            )
        templates = self.env["product.template"].create(vals_list)
        return templates.product_variant_id, patterns

    @api.model
    def _demand_matrix(self, rng, patterns):
        """Monthly demand (products x months, plus 3 months ahead)."""
        periods = np.arange(MONTHS + 3)
        rows = []
        for pattern in patterns:
            level = rng.uniform(20, 200)
            if pattern == "seasonal":
                season = 1 + 0.6 * np.sin(2 * np.pi * (periods % 12 - 3) / 12)
                mean = level * season
                qty = rng.poisson(mean)
            elif pattern == "trending":
                mean = level * (0.6 + 0.9 * periods / MONTHS)
                qty = rng.poisson(mean)
            elif pattern == "erratic":
                qty = rng.gamma(0.8, level / 0.8, size=periods.size).round()
            else:
                occurs = rng.random(periods.size) < rng.uniform(0.2, 0.45)
                qty = occurs * rng.poisson(level / 10, size=periods.size).clip(1)
            rows.append(qty)
        return np.asarray(rows, dtype=float)

    @api.model
    def _replenish(self, rng, warehouse, products, past, month, on_hand):
        """Order on the last six months' demand, as a planner without S&OP would.

        ``past``: the demand of the months before ``month``. Returns the
        quantity received this month and the day of the month it arrives
        (``inf`` without a receipt); late vendors deliver after the promise.
        """
        if past.shape[1]:
            recent = past[:, -6:]
            target = COVER_MONTHS * recent.mean(axis=1) + recent.std(axis=1)
        else:
            target = np.full(len(products), 50.0)
        need = np.ceil(np.maximum(target - on_hand, 0))
        receipt_day = np.full(len(products), np.inf)
        last_day = (month + relativedelta(months=1, days=-1)).day
        orders = self.env["purchase.order"]
        for vendor in products.seller_ids.partner_id:
            lines = [
                Command.create({"product_id": product.id, "product_qty": float(qty)})
                for product, qty in zip(products, need, strict=True)
                if qty > 0 and product.seller_ids[:1].partner_id == vendor
            ]
            if lines:
                orders |= self.env["purchase.order"].create(
                    {
                        "partner_id": vendor.id,
                        "picking_type_id": warehouse.in_type_id.id,
                        "order_line": lines,
                    }
                )
        orders.button_confirm()
        for order in orders:
            lead_time = order.order_line[:1].product_id.seller_ids[:1].delay or 14
            _name, _lead, late_share, late_days = next(
                v for v in VENDORS if v[0] == order.partner_id.name
            )
            promised = fields.Datetime.to_datetime(month) + relativedelta(days=1)
            delay = (
                int(rng.exponential(late_days)) + 1 if rng.random() < late_share else 0
            )
            # received within the month: the month's sales see the receipt
            delay = min(delay, last_day - 2)
            self._process_pickings(order.picking_ids)
            self._backdate(
                order,
                ordered=promised - relativedelta(days=lead_time),
                planned=promised,
                done=promised + relativedelta(days=delay),
            )
            ordered = np.isin(products.ids, order.order_line.product_id.ids)
            receipt_day[ordered] = 2 + delay
        return need, receipt_day

    @api.model
    def _sell(self, rng, warehouse, catalogue, quantities, month, stock):
        """Book the month's orders against the stock there was; return the stock.

        Orders of up to ``ORDER_LINES`` products, each from a customer on a
        day of its own. What is in stock ships at once; the rest waits for a
        receipt arriving later in the month (a backorder delivered that day)
        or, without one, is a lost sale: the rest of the delivery is closed
        without backorder, as Odoo records a sale lost.
        """
        products, customers = catalogue
        on_hand, received, receipt_day = stock
        sold = rng.permutation(np.flatnonzero(quantities > 0))
        if not sold.size:
            return on_hand + received
        orders = np.array_split(sold, -(-sold.size // ORDER_LINES))
        order_day = rng.integers(2, 26, size=len(orders))
        first, waits = self._serve(orders, order_day, quantities, stock)
        # an order with nothing to ship cannot be delivered in Odoo: its
        # lines join an order that ships something (its lost sales recorded)
        hosts = [i for i, rows in enumerate(orders) if (first[rows] > 0).any()]
        if hosts:
            stranded = [
                i
                for i, rows in enumerate(orders)
                if not (first[rows] + waits[rows]).any()
            ]
            for index in stranded:
                host = hosts[int(rng.integers(len(hosts)))]
                orders[host] = np.concatenate([orders[host], orders[index]])
            orders = [rows for i, rows in enumerate(orders) if i not in stranded]
            order_day = np.delete(order_day, stranded)
            first, waits = self._serve(orders, order_day, quantities, stock)
        backorder_day = np.where(waits > 0, receipt_day, 0.0)
        start = fields.Datetime.to_datetime(month) + relativedelta(hours=10)
        for rows, order_date in zip(orders, order_day, strict=True):
            self._deliver_order(
                warehouse,
                customers[int(rng.integers(len(customers)))],
                [(products[int(r)], quantities[r], first[r], waits[r]) for r in rows],
                start + relativedelta(days=int(order_date) - 1),
                start + relativedelta(days=int(backorder_day[rows].max()) - 1),
            )
        return on_hand + received - first - waits

    @api.model
    def _serve(self, orders, order_day, quantities, stock):
        """Quantities shipped at once and by a backorder, product by product."""
        on_hand, received, receipt_day = stock
        day = np.zeros(len(quantities), dtype=int)
        for rows, order_date in zip(orders, order_day, strict=True):
            day[rows] = order_date
        available = on_hand + np.where(receipt_day <= day, received, 0.0)
        first = np.minimum(quantities, available)
        waits = np.where(
            receipt_day > day,
            np.minimum(quantities - first, on_hand + received - first),
            0.0,
        )
        return first, waits

    @api.model
    def _deliver_order(self, warehouse, customer, lines, day, backorder_day):
        """One sale order: first delivery on ``day``, backorder on ``backorder_day``.

        ``lines``: (product, ordered, shipped at once, shipped by the backorder).
        """
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": warehouse.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty, _first, _wait in lines
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        shipped = {product: (first, wait) for product, _qty, first, wait in lines}
        ship_day = day
        if not any(first for first, _wait in shipped.values()):
            # nothing in stock on the order day: the first delivery waits
            shipped = {product: (wait, 0.0) for product, (_f, wait) in shipped.items()}
            ship_day = max(day, backorder_day)
            if not any(first for first, _wait in shipped.values()):
                # no stock in the whole month: the delivery is cancelled
                picking.action_cancel()
                self._backdate(order, ordered=day, planned=day, done=day)
                return
        for move in picking.move_ids:
            move.quantity = shipped[move.product_id][0]
        picking.move_ids.picked = True
        picking._action_done()
        self._backdate(order, ordered=day, planned=day, done=ship_day)
        backorder = order.picking_ids - picking
        if not backorder:
            return
        for move in backorder.move_ids:
            move.quantity = shipped[move.product_id][1]
        if any(move.quantity for move in backorder.move_ids):
            backorder.move_ids.picked = True
            backorder.with_context(cancel_backorder=True)._action_done()
            self._backdate_pickings(
                backorder, ordered=day, planned=day, done=backorder_day
            )
        else:
            backorder.action_cancel()

    @api.model
    def _process_pickings(self, pickings):
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings._action_done()

    @api.model
    def _backdate(self, order, ordered, planned, done):
        """Move an order and its transfers to the dates of the story."""
        # pending ORM writes (confirmation dates) must not overwrite ours
        self.env.flush_all()
        cr = self.env.cr
        table = SQL.identifier(order._table)
        line_table = SQL.identifier(order.order_line._table)
        if order._name == "purchase.order":
            cr.execute(
                SQL(
                    "UPDATE %s SET date_order = %s, date_approve = %s, "
                    "date_planned = %s WHERE id = %s",
                    table,
                    ordered,
                    ordered,
                    planned,
                    order.id,
                )
            )
            cr.execute(
                SQL(
                    "UPDATE %s SET date_planned = %s WHERE order_id = %s",
                    line_table,
                    planned,
                    order.id,
                )
            )
        else:
            cr.execute(
                SQL(
                    "UPDATE %s SET date_order = %s WHERE id = %s",
                    table,
                    ordered,
                    order.id,
                )
            )
        self._backdate_pickings(order.picking_ids, ordered, planned, done)

    @api.model
    def _backdate_pickings(self, pickings, ordered, planned, done):
        """Move transfers and their moves to the dates of the story."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "UPDATE stock_picking SET scheduled_date = %s, date_deadline = %s, "
                "date_done = %s, create_date = %s WHERE id IN %s",
                planned,
                planned,
                done,
                ordered,
                tuple(pickings.ids),
            )
        )
        cr.execute(
            SQL(
                "UPDATE stock_move SET date = %s, date_deadline = %s, create_date = %s "
                "WHERE picking_id IN %s",
                done,
                planned,
                ordered,
                tuple(pickings.ids),
            )
        )
        cr.execute(
            SQL(
                "UPDATE stock_move_line SET date = %s WHERE picking_id IN %s",
                done,
                tuple(pickings.ids),
            )
        )
        self.env.invalidate_all()

    @api.model
    def _create_open_purchases(self, products):
        """Confirmed purchase orders still to receive next month."""
        next_month = first_of_this_month(self) + relativedelta(months=1)
        for vendor in products.seller_ids.partner_id[:3]:
            supplied = products.filtered(
                lambda p, v=vendor: p.seller_ids[:1].partner_id == v
            )
            order = self.env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "date_planned": fields.Datetime.to_datetime(next_month),
                    "order_line": [
                        Command.create({"product_id": product.id, "product_qty": 20.0})
                        for product in supplied[:4]
                    ],
                }
            )
            order.button_confirm()

    @api.model
    def _create_cycles(self, warehouses, products):
        """Plans approved six months ago and this month, next month's cycle."""
        admin = self.env.ref("base.user_admin")
        values = {
            "warehouse_ids": [Command.set(warehouses.ids)],
            "product_category_ids": [Command.set(products.categ_id.parent_id.ids)],
            "demand_user_id": admin.id,
            "supply_user_id": admin.id,
            "reconciliation_user_id": admin.id,
            "executive_user_id": admin.id,
        }
        this_month = first_of_this_month(self)
        self._approve_cycle(
            dict(values, date_month=this_month - relativedelta(months=6))
        )
        approved = self._approve_cycle(dict(values, date_month=this_month))
        rules = self.env["stock.warehouse.orderpoint"].search(
            [("sop_policy_id.cycle_id", "=", approved.id)]
        )
        self.env["sop.reorder.proposal"]._refresh_for_orderpoints(rules)
        VendorOrder = self.env["sop.vendor.order"]
        VendorOrder._build_vendor_orders(self.env.company)
        # a purchase budget under this month's orders: the cockpit shows what
        # it costs in expected fill rate
        ordered = sum(
            VendorOrder.search([("state", "=", "draft")]).mapped("amount_total")
        )
        if ordered:
            self.env["sop.purchase.budget"].create(
                {
                    "company_id": self.env.company.id,
                    "date_month": this_month,
                    "amount": round(0.8 * ordered, -2),
                }
            )
            VendorOrder._build_vendor_orders(self.env.company)

        cycle = self.env["sop.cycle"].create(values)
        self.env["ir.model.data"].create(
            {
                "name": "sop_demo_cycle",
                "module": "sop_planning",
                "model": "sop.cycle",
                "res_id": cycle.id,
                "noupdate": True,
            }
        )
        cycle.action_start_demand_review()
        cycle._run_forecast()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        self.env["sop.scenario"].create(
            [
                {
                    "cycle_id": cycle.id,
                    "name": self.env._("Promotion: demand +15 %"),
                    "demand_pct": 15.0,
                },
                {
                    "cycle_id": cycle.id,
                    "name": self.env._("Vendors two weeks late"),
                    "lead_time_days": 14.0,
                },
                {
                    "cycle_id": cycle.id,
                    "name": self.env._("Service level 98 %"),
                    "service_level": 98.0,
                },
            ]
        )
        cycle._score_scenarios()
        self._measure_past(this_month)
        return cycle

    def _approve_cycle(self, values):
        """A cycle walked from demand review to approval."""
        cycle = self.env["sop.cycle"].create(values)
        cycle.action_start_demand_review()
        cycle._run_forecast()
        cycle.action_submit_supply_review()
        cycle.action_submit_reconciliation()
        cycle.action_submit_executive_review()
        cycle.action_approve()
        return cycle

    def _measure_past(self, this_month):
        """Accuracy of the plan approved six months ago, KPIs of last year."""
        company = self.env.company
        self.env["sop.accuracy.line"]._update_actuals(company)
        for months_back in range(12, 0, -1):
            self.env["sop.kpi.snapshot"]._compute_month(
                company, this_month - relativedelta(months=months_back)
            )
