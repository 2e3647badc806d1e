"""Monthly supply-chain KPIs per company x warehouse.

- OTIF: customer deliveries (done pickings into a customer location) of the
  month that were done on or before the promised day (sale order commitment
  date, else the picking's deadline, else its scheduled date) and in full
  (every move shipped at least the ordered quantity: its sale line's, else its
  own demand);
- fill rate: quantity delivered to customers by its promised day / quantity
  promised for a day of the month (up to today), as an inventory planner
  means it: the share of demand served from stock when it was due. A
  customer move's promised day is its order's commitment date, else its own
  deadline (the sale line's promised date, kept by its backorders), else its
  delivery's deadline or scheduled date. A delivery that waited for stock and
  left late fills nothing of it, however complete; what has not left yet, a
  cancelled backorder and a delivery closed short (lost sales) fill nothing
  either. OTIF counts deliveries (done this month, on time and complete),
  the fill rate counts quantities (due this month, delivered on time);
- stockout days: product-days with a stock level <= 0 in the warehouse, for
  products with demand there in the last 12 months (level = running sum of
  done moves, as the demand history counts it).

A short delivery lowers all three: its shortfall is missing from the fill
rate, it is not in full (OTIF), and the product was out of stock that day.
- excess value: stock at the end of the month above the max of the reordering
  rules (the S&OP policies write them), at standard cost;
- inventory turns: cost of goods shipped to customers (standard cost) over
  the average stock value, annualised (365 x COGS / stock value-days).
"""

import logging

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .sop_common import (
    GROUP_PLANNER,
    MOVE_UOM_JOIN,
    first_of_this_month,
)

_logger = logging.getLogger(__name__)

PAIR = ["product_id", "warehouse_id"]
# the stock figures per warehouse: sums over products, added up over chunks
STOCK_FIGURES = (
    "demand_products",
    "stockout_days",
    "stockout_products",
    "excess_value",
    "cogs",
    "stock_value_days",
    "avg_stock_value",
)
# levels of a month (at its end, or over it): a group adds them up over
# warehouses and averages them over its months, a sum of 12 month-ends is no
# stock anybody holds
MONTHLY_LEVELS = (
    "demand_products",
    "stockout_products",
    "excess_value",
    "avg_stock_value",
)


class SopKpiSnapshot(models.Model):
    """KPIs of one warehouse for one month."""

    _name = "sop.kpi.snapshot"
    _inherit = ["sop.ratio.mixin"]
    _description = "S&OP KPI Snapshot"
    _order = "date_month desc, company_id, warehouse_id"
    _check_company_auto = True

    _RATIOS = {
        "otif": ("otif_count", "delivery_count", 100.0),
        "fill_rate": ("on_time_qty", "due_qty", 100.0),
        "turns": ("cogs", "stock_value_days", 365.0),
    }

    company_id = fields.Many2one("res.company", required=True, index=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, check_company=True
    )
    date_month = fields.Date(string="Month", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    delivery_count = fields.Integer(string="Deliveries")
    on_time_count = fields.Integer(string="On Time")
    in_full_count = fields.Integer(string="In Full")
    otif_count = fields.Integer(string="On Time In Full")
    otif = fields.Float(
        string="OTIF (%)",
        aggregator="sum",
        help="Share of the customer deliveries done this month that left on or "
        "before their promised day (order commitment date, else deadline, else "
        "scheduled date) and in full (every line shipped at least its ordered "
        "quantity). It counts deliveries, whatever their size; a backorder "
        "delivery is neither on time nor in full. See Fill Rate for quantities.",
    )
    due_qty = fields.Float(
        string="Quantity Due",
        digits="Product Unit",
        help="Quantity that customer deliveries promised for a day of this "
        "month (up to today), delivered or not, in the products' units.",
    )
    on_time_qty = fields.Float(
        string="Delivered on Time",
        digits="Product Unit",
        help="Part of the quantity due that left by its promised day.",
    )
    fill_rate = fields.Float(
        string="Fill Rate (%)",
        aggregator="sum",
        help="Share of the quantity promised to customers for this month that "
        "was delivered from stock by its promised day (order commitment date, "
        "else the order line's deadline, else the delivery's deadline or "
        "scheduled date). A delivery that waited for stock and left late "
        "lowers it, even if complete; so do quantities not delivered yet and "
        "lost sales (a cancelled backorder, a delivery closed short). OTIF "
        "counts deliveries (on time and complete), the fill rate quantities.",
    )
    demand_products = fields.Integer(string="Products with Demand")
    stockout_days = fields.Integer(
        help="Product-days with no stock in the warehouse (level at or below "
        "zero at the end of the day), for products with demand there in the "
        "last 12 months."
    )
    stockout_products = fields.Integer(
        string="Products Out of Stock",
        help="Over several months: their monthly average.",
    )
    excess_value = fields.Monetary(
        help="Stock at the end of the month above the reordering rules' "
        "maximum, at standard cost. Over several months: their monthly average."
    )
    cogs = fields.Monetary(string="Cost of Goods Sold")
    stock_value_days = fields.Float(string="Stock Value-Days")
    avg_stock_value = fields.Monetary(
        string="Average Stock Value",
        help="Over several months: their monthly average.",
    )
    turns = fields.Float(
        string="Inventory Turns",
        aggregator="sum",
        help="Cost of goods shipped to customers / average stock value, "
        "annualised (365 x COGS / stock value-days).",
    )

    @api.depends("warehouse_id", "date_month")
    def _compute_display_name(self):
        for snapshot in self:
            snapshot.display_name = " ".join(
                filter(
                    None,
                    (
                        snapshot.warehouse_id.name,
                        snapshot.date_month
                        and format_date(
                            self.env, snapshot.date_month, date_format="MMM yyyy"
                        ),
                    ),
                )
            )

    _snapshot_unique = models.UniqueIndex(
        "(warehouse_id, date_month)",
        "A warehouse has one KPI snapshot per month.",
    )

    def _read_group_select(self, aggregate_spec, query):
        """A monthly level's sum: over warehouses, averaged over months."""
        fname, _sep, aggregate = aggregate_spec.partition(":")
        if fname not in MONTHLY_LEVELS or aggregate != "sum":
            return super()._read_group_select(aggregate_spec, query)
        return SQL(
            "SUM(%s)::float / NULLIF(COUNT(DISTINCT %s), 0)",
            self._field_to_sql(self._table, fname, query),
            self._field_to_sql(self._table, "date_month", query),
        )

    def action_compute_snapshots(self):
        """Button: KPIs of last month and of this month so far.

        A step per company (``sop_step_run``): a large catalogue is computed
        by background jobs and the button returns at once.
        """
        self.env["sop.cycle"]._check_group(
            GROUP_PLANNER, self.env._("compute the KPI snapshots")
        )
        this_month = first_of_this_month(self)
        months = [str(this_month - relativedelta(months=1)), str(this_month)]
        return self.env["sop.step.run"]._sop_start_company_steps(
            "kpis", self.env.companies, {"months": months}
        )

    @api.model
    def _cron_compute_snapshots(self):
        """Monthly: last month's KPIs (final) of every company (as jobs for a
        large catalogue; see ``_sop_cron_company_step`` for a busy company)."""
        month = first_of_this_month(self) - relativedelta(months=1)
        for company in self.env["res.company"].sudo().search([("active", "=", True)]):
            try:
                with self.env.cr.savepoint():
                    self.env["sop.step.run"].sudo()._sop_cron_company_step(
                        "kpis", company, {"months": [str(month)]}
                    )
            except Exception as exc:  # noqa: BLE001 - logged, next company goes on
                _logger.warning("S&OP KPIs of %s failed: %s", company.name, exc)
            self.env["ir.cron"]._commit_progress(1)

    @api.model
    def _compute_month(self, company, month):
        """Replace the snapshots of ``company`` for ``month``; return them
        (the KPI step's three parts in this transaction)."""
        snapshots = self.with_company(company)
        product_ids, frames, info = snapshots._kpis_prepare([str(month.replace(day=1))])
        return snapshots._kpis_finalize(
            snapshots._kpis_chunk(product_ids, frames), info
        )

    # ------------------------------------------------------------------
    # KPI snapshots as a step of the company (sop_step_run.py): deliveries
    # per warehouse in the finalize, stock figures per chunk of products
    # ------------------------------------------------------------------
    @api.model
    def _kpis_period(self, month, end=False):
        """``(month, end)`` of a month string; ``end`` (excluded) is the
        month's end or tomorrow, or the ``end`` the prepare fixed; None when
        the month has no day yet."""
        month = fields.Date.to_date(month).replace(day=1)
        if end is False:
            tomorrow = fields.Date.context_today(self) + relativedelta(days=1)
            end = min(month + relativedelta(months=1), tomorrow)
            return month, (end if end > month else None)
        return month, end and fields.Date.to_date(end)

    @api.model
    def _kpis_warehouses(self):
        return self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)]
        )

    @api.model
    def _kpis_size(self, months, limit=None):
        """Products the prepare finds, at most ``limit``: one query that looks
        for one move or sale per product (indexed) and stops at ``limit``
        products. With no product, 1 when the months have customer deliveries
        (of products not stocked: the finalize counts them), else 0."""
        company = self.env.company
        warehouses = self._kpis_warehouses()
        periods = [self._kpis_period(name) for name in months]
        periods = [(month, end) for month, end in periods if end]
        if not warehouses or not periods:
            return 0
        self.env.flush_all()
        # the union over the months: moved before the last end, sold in the
        # 12 months before one of the ends
        ends = [end for _month, end in periods]
        [(count,)] = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FROM (
                  SELECT 1
                    FROM product_product pp
                    JOIN product_template pt ON pt.id = pp.product_tmpl_id
                   CROSS JOIN LATERAL (
                       (SELECT 1 FROM stock_move m
                         WHERE m.product_id = pp.id AND m.state = 'done'
                           AND m.company_id = %(company)s AND m.date < %(dto)s
                         LIMIT 1)
                       UNION ALL
                       (SELECT 1 FROM sale_order_line sol
                          JOIN sale_order so ON so.id = sol.order_id
                         WHERE sol.product_id = pp.id AND so.state = 'sale'
                           AND so.company_id = %(company)s
                           AND so.warehouse_id = ANY(%(wh)s)
                           AND so.date_order >= %(dfrom)s
                           AND so.date_order < %(dto)s
                         LIMIT 1)
                       LIMIT 1
                   ) moved_or_sold
                   WHERE pt.is_storable
                   LIMIT %(limit)s
                ) products
                """,
                company=company.id,
                wh=warehouses.ids,
                dfrom=min(ends) - relativedelta(months=12),
                dto=max(ends),
                limit=limit,
            )
        )
        if count:
            return count
        delivered = self.env.execute_query(
            SQL(
                """SELECT 1 FROM stock_picking p
                     JOIN stock_picking_type pt ON pt.id = p.picking_type_id
                     JOIN stock_location dl ON dl.id = p.location_dest_id
                    WHERE p.state = 'done' AND p.company_id = %(company)s
                      AND dl.usage = 'customer' AND pt.warehouse_id = ANY(%(wh)s)
                      AND p.date_done >= %(dfrom)s AND p.date_done < %(dto)s
                    LIMIT 1""",
                company=company.id,
                wh=warehouses.ids,
                dfrom=min(month for month, _end in periods),
                dto=max(ends),
            )
        )
        return len(delivered)

    @api.model
    def _kpis_prepare(self, months):
        """Products with demand or stock moves in each month's window."""
        company = self.env.company
        warehouses = self._kpis_warehouses()
        self.env.flush_all()
        demand, moved = [], []
        # each month's end, fixed here: chunks running after midnight count
        # the same days as the prepare did
        ends = {name: self._kpis_period(name)[1] for name in months}
        for name in months:
            end = ends[name]
            if not warehouses or end is None:
                continue
            demand.append(
                self._demand_pairs(company, warehouses, end).assign(month=name)
            )
            moved.append(
                pd.DataFrame(
                    {"product_id": self._moved_products(company, end), "month": name}
                )
            )
        demand = pd.concat(demand) if demand else pd.DataFrame(columns=[*PAIR, "month"])
        moved = (
            pd.concat(moved) if moved else pd.DataFrame(columns=["product_id", "month"])
        )
        product_ids = sorted(
            {int(p) for p in demand["product_id"]}
            | {int(p) for p in moved["product_id"]}
        )
        ends = {name: end and str(end) for name, end in ends.items()}
        periods = pd.DataFrame({"month": list(ends), "end": list(ends.values())})
        frames = {"demand": demand, "moved": moved, "periods": periods}
        return product_ids, frames, {"months": months, "ends": ends}

    @api.model
    def _kpis_chunk(self, product_ids, frames):
        """Stock figures of ``product_ids`` per month and warehouse, keyed
        ``"<month>|<warehouse id>|<figure>"`` (sums; writes nothing)."""
        company = self.env.company
        warehouses = self._kpis_warehouses()
        demand, moved = frames["demand"], frames["moved"]
        periods = frames["periods"]
        ends = {
            month: None if pd.isna(end) else end
            for month, end in zip(periods["month"], periods["end"], strict=True)
        }
        counts = {}
        for name in sorted(set(demand["month"]) | set(moved["month"])):
            month, end = self._kpis_period(name, ends.get(name))
            if end is None:
                continue
            stock = self._stock_kpis(
                company,
                warehouses,
                month,
                end,
                demand=demand.loc[demand["month"] == name, PAIR].astype(int),
                product_ids=moved.loc[moved["month"] == name, "product_id"]
                .astype(int)
                .tolist(),
            )
            for row in stock.to_dict("records"):
                warehouse = int(row.pop("warehouse_id"))
                for figure, value in row.items():
                    key = f"{name}|{warehouse}|{figure}"
                    counts[key] = counts.get(key, 0.0) + float(value)
        return counts

    @api.model
    def _kpis_finalize(self, counts, info):
        """Replace each month's snapshots: deliveries plus the summed stock
        figures of the chunks; return the snapshots."""
        snapshots = self.browse()
        for name in info["months"]:
            rows = {}
            for key, value in counts.items():
                month, warehouse, figure = key.split("|")
                if month == name:
                    rows.setdefault(int(warehouse), {})[figure] = value
            stock = pd.DataFrame(
                [{"warehouse_id": wh, **figures} for wh, figures in rows.items()],
                columns=["warehouse_id", *STOCK_FIGURES],
            )
            snapshots |= self._store_month(name, stock, info["ends"].get(name))
        return snapshots

    @api.model
    def _store_month(self, name, stock, end):
        """Replace the company's snapshots of month ``name`` (counted up to
        ``end``, excluded) with its deliveries and the ``stock`` figures per
        warehouse."""
        company = self.env.company
        month, end = self._kpis_period(name, end)
        self.search(
            [("company_id", "=", company.id), ("date_month", "=", month)]
        ).unlink()
        warehouses = self._kpis_warehouses()
        if not warehouses or end is None:
            return self.browse()
        self.env.flush_all()
        frame = pd.DataFrame({"warehouse_id": warehouses.ids})
        for part in (self._deliveries(company, warehouses, month, end), stock):
            frame = frame.merge(part, on="warehouse_id", how="left")
        frame = frame.apply(pd.to_numeric).fillna(0.0)
        vals_list = []
        for row in frame.to_dict("records"):
            vals = {
                name: row.get(name, 0.0)
                for name in self._fields
                if name in row and name != "warehouse_id"
            }
            vals.update(
                company_id=company.id,
                warehouse_id=int(row["warehouse_id"]),
                date_month=month,
                otif=_percent(row["otif_count"], row["delivery_count"]),
                fill_rate=_percent(row["on_time_qty"], row["due_qty"]),
                turns=365.0 * row["cogs"] / row["stock_value_days"]
                if row["stock_value_days"] > 0
                else 0.0,
            )
            for name in (
                "delivery_count",
                "on_time_count",
                "in_full_count",
                "otif_count",
                "demand_products",
                "stockout_days",
                "stockout_products",
            ):
                vals[name] = int(vals[name])
            vals_list.append(vals)
        return self.create(vals_list)

    @api.model
    def _deliveries(self, company, warehouses, month, end):
        """OTIF counts and fill-rate quantities per warehouse."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT warehouse_id, COUNT(*),
                       COUNT(*) FILTER (WHERE on_time),
                       COUNT(*) FILTER (WHERE in_full),
                       COUNT(*) FILTER (WHERE on_time AND in_full)
                  FROM (
                    SELECT pt.warehouse_id,
                           p.date_done::date <= COALESCE(
                               so.commitment_date, p.date_deadline, p.scheduled_date
                           )::date AS on_time,
                           BOOL_AND(m.quantity * mu.factor
                                    >= COALESCE(sol.product_uom_qty * su.factor,
                                                m.product_uom_qty * mu.factor)
                                       - 1e-6 * mu.factor) AS in_full
                      FROM stock_picking p
                      JOIN stock_picking_type pt ON pt.id = p.picking_type_id
                      JOIN stock_location dl ON dl.id = p.location_dest_id
                      JOIN stock_move m ON m.picking_id = p.id AND m.state = 'done'
                      JOIN uom_uom mu ON mu.id = m.product_uom
                      LEFT JOIN sale_order_line sol ON sol.id = m.sale_line_id
                      LEFT JOIN uom_uom su ON su.id = sol.product_uom_id
                      LEFT JOIN sale_order so ON so.id = p.sale_id
                     WHERE p.state = 'done' AND p.company_id = %(company)s
                       AND dl.usage = 'customer'
                       AND pt.warehouse_id = ANY(%(wh)s)
                       AND p.date_done >= %(dfrom)s AND p.date_done < %(dto)s
                     GROUP BY p.id, pt.warehouse_id, so.commitment_date
                  ) picking
                 GROUP BY warehouse_id
                """,
                company=company.id,
                wh=warehouses.ids,
                dfrom=month,
                dto=end,
            )
        )
        otif = pd.DataFrame(
            rows,
            columns=[
                "warehouse_id",
                "delivery_count",
                "on_time_count",
                "in_full_count",
                "otif_count",
            ],
        )
        return otif.merge(
            self._due_deliveries(company, warehouses, month, end),
            on="warehouse_id",
            how="outer",
        )

    def _recompute_fill_rate(self):
        """Count again the fill rate of these snapshots (the update to
        19.0.1.2.0: it was the first deliveries' share shipped)."""
        for company in self.company_id:
            snapshots = self.filtered(lambda s, c=company: s.company_id == c)
            for date_month in set(snapshots.mapped("date_month")):
                month, end = self.with_company(company)._kpis_period(str(date_month))
                of_month = snapshots.filtered(lambda s, m=date_month: s.date_month == m)
                due = self._due_deliveries(company, of_month.warehouse_id, month, end)
                due = (
                    due.set_index("warehouse_id")
                    .reindex(of_month.warehouse_id.ids)
                    .fillna(0.0)
                )
                for snapshot in of_month:
                    due_qty, on_time = due.loc[snapshot.warehouse_id.id]
                    snapshot.write(
                        {
                            "due_qty": due_qty,
                            "on_time_qty": on_time,
                            "fill_rate": _percent(on_time, due_qty),
                        }
                    )

    @api.model
    def _due_deliveries(self, company, warehouses, month, end):
        """Fill-rate quantities per warehouse (product units): promised for a
        day in ``[month, end)`` and, of it, delivered by that day."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ptype.warehouse_id,
                       SUM(m.product_uom_qty * lu.factor / pu.factor),
                       SUM(LEAST(m.quantity, m.product_uom_qty)
                           * lu.factor / pu.factor) FILTER (
                           WHERE m.state = 'done' AND m.date::date <= due.day)
                  FROM stock_move m
                  JOIN stock_picking p ON p.id = m.picking_id
                  JOIN stock_picking_type ptype ON ptype.id = p.picking_type_id
                  JOIN stock_location dl ON dl.id = p.location_dest_id
                  LEFT JOIN sale_order so ON so.id = p.sale_id
                  CROSS JOIN LATERAL (
                      SELECT COALESCE(so.commitment_date, m.date_deadline,
                                      p.date_deadline, p.scheduled_date)::date
                             AS day
                  ) due
                  %(uom_join)s
                 WHERE p.company_id = %(company)s AND dl.usage = 'customer'
                   AND ptype.warehouse_id = ANY(%(wh)s)
                   AND (m.state NOT IN ('draft', 'cancel')
                        OR (m.state = 'cancel' AND p.backorder_id IS NOT NULL))
                   AND so.state IS DISTINCT FROM 'cancel'
                   AND due.day >= %(dfrom)s AND due.day < %(dto)s
                 GROUP BY ptype.warehouse_id
                """,
                uom_join=MOVE_UOM_JOIN,
                company=company.id,
                wh=warehouses.ids,
                dfrom=month,
                dto=end,
            )
        )
        return pd.DataFrame(
            rows, columns=["warehouse_id", "due_qty", "on_time_qty"]
        ).astype({"due_qty": float, "on_time_qty": float})

    @api.model
    def _moved_products(self, company, end):
        """Storable products with a done stock move of ``company`` before ``end``."""
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT DISTINCT m.product_id FROM stock_move m
                         JOIN product_product pp ON pp.id = m.product_id
                         JOIN product_template pt ON pt.id = pp.product_tmpl_id
                        WHERE m.state = 'done' AND m.company_id = %s
                          AND m.date < %s AND pt.is_storable""",
                    company.id,
                    end,
                )
            )
        ]

    @api.model
    def _stock_kpis(
        self, company, warehouses, month, end, demand=None, product_ids=None
    ):
        """Stockout days, excess value, COGS and stock value-days per warehouse.

        ``demand`` (product x warehouse pairs with demand) and ``product_ids``
        (products moved) default to every product of the company.
        """
        columns = ["warehouse_id", *STOCK_FIGURES]
        if demand is None:
            demand = self._demand_pairs(company, warehouses, end)
        if product_ids is None:
            product_ids = self._moved_products(company, end)
        levels = self._daily_levels(company, warehouses, product_ids, month, end)
        # products with demand and no stock move at all: level 0 every day
        index = pd.MultiIndex.from_frame(demand)
        if levels.empty:
            days = pd.date_range(
                pd.Timestamp(month), pd.Timestamp(end), inclusive="left"
            )
            levels = pd.DataFrame(0.0, index=index, columns=days)
        else:
            levels = levels.reindex(levels.index.union(index), fill_value=0.0)
        if levels.empty:
            return pd.DataFrame(columns=columns)
        product_ids = levels.index.get_level_values("product_id").unique().tolist()
        products = self.env["product.product"].browse(product_ids)
        cost = pd.Series(
            products.with_company(company).mapped("standard_price"),
            index=products.ids,
            dtype=float,
        )
        unit_cost = cost.reindex(levels.index.get_level_values("product_id")).to_numpy()
        stock = levels.to_numpy()
        value_days = (np.maximum(stock, 0.0) * unit_cost[:, None]).sum(axis=1)
        pairs = levels.index.to_frame(index=False)
        pairs["stock_value_days"] = value_days
        pairs["avg_stock_value"] = value_days / stock.shape[1]
        # stockouts of products with demand
        has_demand = levels.index.isin(index)
        out_days = np.where(has_demand, (stock <= 0).sum(axis=1), 0)
        pairs["demand_products"] = has_demand.astype(int)
        pairs["stockout_days"] = out_days
        pairs["stockout_products"] = (out_days > 0).astype(int)
        # excess over the rules' max at the end of the period
        maxima = self._rule_maxima(company, warehouses)
        pairs = pairs.merge(maxima, on=PAIR, how="left")
        excess = np.maximum(stock[:, -1] - pairs["max_qty"].to_numpy(dtype=float), 0.0)
        pairs["excess_value"] = np.nan_to_num(excess) * unit_cost
        cogs = self._cogs(company, warehouses, product_ids, month, end)
        pairs = pairs.merge(cogs, on=PAIR, how="left")
        pairs["cogs"] = pairs["shipped"].fillna(0.0) * unit_cost
        return pairs.groupby("warehouse_id", as_index=False)[columns[1:]].sum()

    @api.model
    def _daily_levels(self, company, warehouses, product_ids, month, end):
        """Stock level per product x warehouse (rows) at the end of each day."""
        rows = self.env.execute_query(
            self.env["sop.demand.history"]._stock_flow_query(
                company.id, warehouses.ids, product_ids, month, end
            )
        )
        if not rows:
            return pd.DataFrame()
        flows = pd.DataFrame(rows, columns=[*PAIR, "day", "qty"])
        flows["day"] = pd.to_datetime(flows["day"])
        flows["qty"] = flows["qty"].astype(float)
        opening = pd.Timestamp(month - relativedelta(days=1))
        days = pd.date_range(opening, pd.Timestamp(end), inclusive="left")
        matrix = flows.pivot_table(
            index=PAIR, columns="day", values="qty", aggfunc="sum"
        ).reindex(columns=days, fill_value=0.0)
        levels = matrix.fillna(0.0).cumsum(axis=1)
        return levels.iloc[:, 1:]

    @api.model
    def _demand_pairs(self, company, warehouses, end):
        """Storable product x warehouse pairs sold or delivered in 12 months."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.product_id, sl.warehouse_id
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  JOIN product_product pp ON pp.id = m.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND sl.usage = 'internal' AND dl.usage = 'customer'
                   AND sl.warehouse_id = ANY(%(wh)s) AND pt.is_storable
                   AND m.date >= %(dfrom)s AND m.date < %(dto)s
                UNION
                SELECT sol.product_id, so.warehouse_id
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE so.state = 'sale' AND so.company_id = %(company)s
                   AND so.warehouse_id = ANY(%(wh)s) AND pt.is_storable
                   AND so.date_order >= %(dfrom)s AND so.date_order < %(dto)s
                """,
                company=company.id,
                wh=warehouses.ids,
                dfrom=end - relativedelta(months=12),
                dto=end,
            )
        )
        return pd.DataFrame(rows, columns=PAIR)

    @api.model
    def _rule_maxima(self, company, warehouses):
        """Max quantity of the active reordering rules per product x warehouse."""
        rows = self.env.execute_query(
            SQL(
                """SELECT product_id, warehouse_id, MAX(product_max_qty)
                     FROM stock_warehouse_orderpoint
                    WHERE active AND company_id = %s AND warehouse_id = ANY(%s)
                    GROUP BY 1, 2""",
                company.id,
                warehouses.ids,
            )
        )
        return pd.DataFrame(rows, columns=[*PAIR, "max_qty"]).astype({"max_qty": float})

    @api.model
    def _cogs(self, company, warehouses, product_ids, month, end):
        """Quantity shipped to customers (product UoM) per product x warehouse."""
        history = self.env["sop.demand.history"]
        shipped, _mismatch = history._converted(
            history._shipped_query(company.id, warehouses.ids, product_ids, month, end)
        )
        shipped = shipped.rename(columns={"qty": "shipped"})
        return shipped.groupby(PAIR, as_index=False)["shipped"].sum()


def _percent(numerator, denominator):
    return 100.0 * numerator / denominator if denominator else 0.0
