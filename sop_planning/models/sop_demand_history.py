"""Demand history read from the ERP in bulk, per product x warehouse x month.

Rules (also shown in the settings):

- ordered demand: lines of confirmed sale orders (``state = 'sale'``) by month
  of the order date, in the product's UoM; lines sourced by dropship (a move
  from a supplier location) are left out;
- shipped demand: done moves from an internal location of the warehouse to a
  customer location, by month of the move date (dropship moves start at a
  supplier location, internal moves end at an internal one: both left out);
- returns (done moves from a customer location into the warehouse) are netted
  by month of the return or ignored, as the company setting says; a month never
  goes below zero;
- lines whose UoM shares no reference unit with the product's UoM cannot be
  converted: they are left out and counted in ``skipped`` per product;
- out of stock (censored): a month whose stock level in the warehouse stayed
  at or below zero on every day of the month (level = running sum of done
  moves into minus out of the warehouse's internal locations) and in which no
  demand was recorded is unknown (qty NaN), not zero. Product x warehouse
  pairs without any done move are not stock-tracked there and are never
  censored;
- lost sales (censored too): a month in which a confirmed order's delivery
  was closed short, Odoo's record of a sale lost (a delivery validated with
  "no backorder": a done customer move below its demand, or a cancelled one
  in a done delivery or in a backorder), is unknown as well:
  the customers turned away are not in the record, so the forecast treats the
  month like one out of stock.
"""

import datetime
import logging

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from ..engine import net_per_period
from .sop_bulk import query_frame
from .sop_common import MOVE_QTY, MOVE_UOM_JOIN

_logger = logging.getLogger(__name__)

COLUMNS = ["product_id", "warehouse_id", "period", "qty", "value"]
PAIR = ["product_id", "warehouse_id"]
ITEM_BASE = 2**20  # item_id = product_id x ITEM_BASE + warehouse_id
# the dtype pandas gives to dates (months), as the other frames have them
DATE_DTYPE = pd.to_datetime(pd.Series([datetime.date(2000, 1, 1)])).dtype


class SopDemandHistory(models.AbstractModel):
    """Bulk SQL extraction of demand history for the forecast engine."""

    _name = "sop.demand.history"
    _description = "S&OP Demand History Extraction"

    @api.model
    def _engine_input(self, history, pairs, last_month):
        """Return the engine's long ``item_id, period, qty[, value]`` table.

        ``history``: rows of the (product, warehouse) ``pairs``; a zero row in
        ``last_month`` closes every series before the cycle (the engine starts
        each at its first sale and ends it at its last row).
        """
        measures = [name for name in ("qty", "value") if name in history]
        closing = pairs[PAIR].assign(
            period=pd.Timestamp(last_month), **dict.fromkeys(measures, 0.0)
        )
        frame = pd.concat(
            [history[[*PAIR, "period", *measures]], closing], ignore_index=True
        )
        frame["item_id"] = frame["product_id"] * ITEM_BASE + frame["warehouse_id"]
        return frame[["item_id", "period", *measures]]

    @api.model
    def _with_pair(self, frame):
        """Return ``frame`` with the product and warehouse of its ``item_id``."""
        return frame.assign(
            product_id=frame["item_id"] // ITEM_BASE,
            warehouse_id=frame["item_id"] % ITEM_BASE,
        )

    @api.model
    def _actuals(self, company, lines, date_to):
        """``lines`` (``product_id, warehouse_id, period``) with their actuals.

        Adds ``qty``, the demand of each month before ``date_to`` (0 without
        sales), and ``known``, False for a month out of stock (unknown demand).
        """
        keys = ["product_id", "warehouse_id", "period"]
        actual = self._extract(
            company,
            self.env["stock.warehouse"].browse(lines["warehouse_id"].unique().tolist()),
            self.env["product.product"].browse(lines["product_id"].unique().tolist()),
            lines["period"].min().date(),
            date_to,
        )
        lines = lines.merge(actual[[*keys, "qty"]], on=keys, how="left")
        censored = lines.set_index(keys).index.isin(
            actual.loc[actual["qty"].isna()].set_index(keys).index
        )
        return lines.assign(qty=lines["qty"].fillna(0.0), known=~censored)

    @api.model
    def _extract(self, company, warehouses, products, date_from, date_to):
        """Return the monthly demand history as a long DataFrame.

        Columns ``product_id, warehouse_id, period, qty, value``; ``period`` is
        the first day of the month (``date_from`` <= period < ``date_to``);
        ``qty`` is in the product's UoM, NaN for out-of-stock months; ``value``
        is in the company currency. Only rows with demand or censored appear.
        The DataFrame's ``attrs["uom_mismatch"]`` maps product id -> number of
        lines left out because their UoM cannot be converted.
        """
        company.ensure_one()
        self.env.flush_all()
        # aggregation of ~1M lines: let the hash aggregate stay in memory
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")
        args = (company.id, warehouses.ids, products.ids, date_from, date_to)
        if company.sop_demand_source == "shipped":
            demand, mismatch = self._converted(self._shipped_query(*args))
        else:
            demand, mismatch = self._converted(self._ordered_query(*args))
        if company.sop_demand_returns == "net":
            returns, _mismatch = self._converted(self._returns_query(*args))
            demand = self._net_returns(demand, returns)
        censored = self._stockout_months(*args)
        history = self._merge_censored(demand, censored, self._lost_sale_months(*args))
        history.attrs["uom_mismatch"] = mismatch
        if mismatch:
            _logger.warning(
                "S&OP history of %s: lines of %d product(s) skipped, their UoM "
                "cannot be converted to the product's UoM",
                company.name,
                len(mismatch),
            )
        return history

    # ------------------------------------------------------------------
    # Queries: each returns product_id, uom_id, warehouse_id, period, qty,
    # value, n (lines) aggregated in the line's UoM; ``_converted`` converts.
    # ------------------------------------------------------------------
    def _converted(self, raw_query):
        """Run ``raw_query`` and convert to the product UoM.

        Return (DataFrame of COLUMNS, {product_id: lines with an alien UoM}).
        """
        frame = query_frame(
            self.env,
            SQL(
                """
                WITH raw AS (%(raw)s)
                SELECT raw.product_id, raw.warehouse_id, raw.period,
                       raw.qty * lu.factor / pu.factor, raw.value,
                       split_part(lu.parent_path, '/', 1)
                           = split_part(pu.parent_path, '/', 1),
                       raw.n
                  FROM raw
                  JOIN product_product pp ON pp.id = raw.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom lu ON lu.id = raw.uom_id
                  JOIN uom_uom pu ON pu.id = pt.uom_id
                """,
                raw=raw_query,
            ),
            [*COLUMNS, "convertible", "n"],
        )
        convertible = frame["convertible"].astype(bool)
        bad = frame[~convertible]
        mismatch = {
            int(pid): int(n) for pid, n in bad.groupby("product_id")["n"].sum().items()
        }
        frame = frame.loc[convertible, COLUMNS].reset_index(drop=True)
        keys = COLUMNS[:3]
        if frame.duplicated(keys).any():  # a month sold in several units
            frame = frame.groupby(keys, as_index=False)[["qty", "value"]].sum(
                min_count=1
            )
        frame["period"] = pd.to_datetime(frame["period"]).astype(DATE_DTYPE)
        frame[["qty", "value"]] = frame[["qty", "value"]].astype(float)
        return frame, mismatch

    def _ordered_query(self, company_id, warehouse_ids, product_ids, dfrom, dto):
        return SQL(
            """
            SELECT sol.product_id, sol.product_uom_id AS uom_id, so.warehouse_id,
                   date_trunc('month', so.date_order)::date AS period,
                   SUM(sol.product_uom_qty) AS qty,
                   SUM(sol.price_subtotal / COALESCE(NULLIF(so.currency_rate, 0), 1))
                       AS value,
                   COUNT(*) AS n
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
             WHERE so.state = 'sale'
               AND sol.product_id = ANY(%(products)s)
               AND so.company_id = %(company)s
               AND so.warehouse_id = ANY(%(warehouses)s)
               AND sol.display_type IS NULL
               AND so.date_order >= %(dfrom)s AND so.date_order < %(dto)s
               AND sol.id NOT IN (
                   SELECT dm.sale_line_id FROM stock_move dm
                     JOIN stock_location dsl ON dsl.id = dm.location_id
                    WHERE dm.sale_line_id IS NOT NULL AND dsl.usage = 'supplier')
             GROUP BY 1, 2, 3, 4
            """,
            company=company_id,
            warehouses=warehouse_ids,
            products=product_ids,
            dfrom=dfrom,
            dto=dto,
        )

    def _shipped_query(self, company_id, warehouse_ids, product_ids, dfrom, dto):
        return SQL(
            """
            SELECT m.product_id, m.product_uom AS uom_id, sl.warehouse_id,
                   date_trunc('month', m.date)::date AS period,
                   SUM(m.quantity) AS qty,
                   SUM(CASE WHEN sol.product_uom_qty > 0
                            THEN m.quantity * mu.factor / sol_u.factor
                                 / sol.product_uom_qty * sol.price_subtotal
                                 / COALESCE(NULLIF(so.currency_rate, 0), 1)
                            ELSE 0 END) AS value,
                   COUNT(*) AS n
              FROM stock_move m
              JOIN stock_location sl ON sl.id = m.location_id
              JOIN stock_location dl ON dl.id = m.location_dest_id
              JOIN uom_uom mu ON mu.id = m.product_uom
              LEFT JOIN sale_order_line sol ON sol.id = m.sale_line_id
              LEFT JOIN uom_uom sol_u ON sol_u.id = sol.product_uom_id
              LEFT JOIN sale_order so ON so.id = sol.order_id
             WHERE m.state = 'done'
               AND m.company_id = %(company)s
               AND sl.usage = 'internal' AND dl.usage = 'customer'
               AND sl.warehouse_id = ANY(%(warehouses)s)
               AND m.product_id = ANY(%(products)s)
               AND m.date >= %(dfrom)s AND m.date < %(dto)s
             GROUP BY 1, 2, 3, 4
            """,
            company=company_id,
            warehouses=warehouse_ids,
            products=product_ids,
            dfrom=dfrom,
            dto=dto,
        )

    def _returns_query(self, company_id, warehouse_ids, product_ids, dfrom, dto):
        return SQL(
            """
            SELECT m.product_id, m.product_uom AS uom_id, dl.warehouse_id,
                   date_trunc('month', m.date)::date AS period,
                   SUM(m.quantity) AS qty,
                   SUM(m.product_qty * COALESCE(m.price_unit, 0)) AS value,
                   COUNT(*) AS n
              FROM stock_move m
              JOIN stock_location sl ON sl.id = m.location_id
              JOIN stock_location dl ON dl.id = m.location_dest_id
             WHERE m.state = 'done'
               AND m.company_id = %(company)s
               AND sl.usage = 'customer' AND dl.usage = 'internal'
               AND dl.warehouse_id = ANY(%(warehouses)s)
               AND m.product_id = ANY(%(products)s)
               AND m.date >= %(dfrom)s AND m.date < %(dto)s
             GROUP BY 1, 2, 3, 4
            """,
            company=company_id,
            warehouses=warehouse_ids,
            products=product_ids,
            dfrom=dfrom,
            dto=dto,
        )

    def _stock_flow_query(self, company_id, warehouse_ids, product_ids, dfrom, dto):
        """Daily net flow into each warehouse; flows before ``dfrom`` summed."""
        return SQL(
            """
            SELECT product_id, warehouse_id, GREATEST(day, %(opening)s) AS day,
                   SUM(qty) AS qty
              FROM (
                SELECT m.product_id, dl.warehouse_id, m.date::date AS day,
                       %(qty)s AS qty
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  %(uom_join)s
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND dl.usage = 'internal' AND dl.warehouse_id = ANY(%(wh)s)
                   AND (sl.usage != 'internal'
                        OR sl.warehouse_id IS DISTINCT FROM dl.warehouse_id)
                   AND m.product_id = ANY(%(products)s) AND m.date < %(dto)s
                UNION ALL
                SELECT m.product_id, sl.warehouse_id, m.date::date, -%(qty)s
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  %(uom_join)s
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND sl.usage = 'internal' AND sl.warehouse_id = ANY(%(wh)s)
                   AND (dl.usage != 'internal'
                        OR dl.warehouse_id IS DISTINCT FROM sl.warehouse_id)
                   AND m.product_id = ANY(%(products)s) AND m.date < %(dto)s
              ) flows
             GROUP BY 1, 2, 3
            """,
            qty=MOVE_QTY,
            opening=dfrom - relativedelta(days=1),
            uom_join=MOVE_UOM_JOIN,
            company=company_id,
            wh=warehouse_ids,
            products=product_ids,
            dto=dto,
        )

    # ------------------------------------------------------------------
    # pandas
    # ------------------------------------------------------------------
    @api.model
    def _net_returns(self, demand, returns):
        """Subtract returns per month; a month never goes below zero."""
        if returns.empty:
            return demand
        keys = ["product_id", "warehouse_id", "period"]
        returns = returns.assign(qty=-returns["qty"], value=-returns["value"])
        return net_per_period(pd.concat([demand, returns]), keys, sort=True)[0]

    @api.model
    def _stockout_months(self, company_id, warehouse_ids, product_ids, dfrom, dto):
        """Return product_id, warehouse_id, period of out-of-stock months."""
        rows = self.env.execute_query(
            self._stock_flow_query(company_id, warehouse_ids, product_ids, dfrom, dto)
        )
        if not rows:
            return pd.DataFrame(columns=COLUMNS[:3])
        flows = pd.DataFrame(rows, columns=["product_id", "warehouse_id", "day", "qty"])
        flows["day"] = pd.to_datetime(flows["day"])
        flows = flows.sort_values(["product_id", "warehouse_id", "day"])
        flows["level"] = flows.groupby(["product_id", "warehouse_id"])["qty"].cumsum()
        months = pd.date_range(dfrom, dto, freq="MS", inclusive="left")
        pairs = flows[["product_id", "warehouse_id"]].drop_duplicates()
        grid = pairs.merge(pd.DataFrame({"period": months}), how="cross")
        # level at the start of each month: last level before that month
        flows["period"] = flows["day"].dt.to_period("M").dt.to_timestamp()
        keys = ["product_id", "warehouse_id", "period"]
        month_max = flows.groupby(keys)["level"].max().rename("month_max")
        month_last = flows.groupby(keys)["level"].last().rename("month_last")
        grid = grid.merge(month_max.reset_index(), on=keys, how="left")
        grid = grid.merge(month_last.reset_index(), on=keys, how="left")
        # month-end levels carry forward; opening of a month = previous close
        before = flows["day"] < pd.Timestamp(dfrom)
        opening = (
            flows[before].groupby(["product_id", "warehouse_id"])["level"].last()
        ).rename("opening")
        grid = grid.merge(
            opening.reset_index(), on=["product_id", "warehouse_id"], how="left"
        )
        grid = grid.sort_values(keys)
        close = grid.groupby(["product_id", "warehouse_id"])["month_last"].ffill()
        close = close.fillna(grid["opening"]).fillna(0.0)
        prev_close = close.groupby([grid["product_id"], grid["warehouse_id"]]).shift(1)
        open_level = prev_close.fillna(grid["opening"]).fillna(0.0)
        highest = np.fmax(open_level, grid["month_max"].to_numpy())
        out = grid.loc[highest <= 0, keys]
        return out.reset_index(drop=True)

    def _lost_sale_months(self, company_id, warehouse_ids, product_ids, dfrom, dto):
        """Return product_id, warehouse_id, period of months with lost sales."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT m.product_id, so.warehouse_id,
                       date_trunc('month', so.date_order)::date
                  FROM stock_move m
                  JOIN stock_picking p ON p.id = m.picking_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  JOIN sale_order_line sol ON sol.id = m.sale_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE so.state = 'sale' AND dl.usage = 'customer'
                   AND ((m.state = 'cancel'
                         AND (p.state = 'done' OR p.backorder_id IS NOT NULL))
                        OR (m.state = 'done'
                            AND m.quantity < m.product_uom_qty - 1e-6))
                   AND so.company_id = %(company)s
                   AND so.warehouse_id = ANY(%(warehouses)s)
                   AND m.product_id = ANY(%(products)s)
                   AND so.date_order >= %(dfrom)s AND so.date_order < %(dto)s
                """,
                company=company_id,
                warehouses=warehouse_ids,
                products=product_ids,
                dfrom=dfrom,
                dto=dto,
            )
        )
        lost = pd.DataFrame(rows, columns=COLUMNS[:3])
        lost["period"] = pd.to_datetime(lost["period"])
        return lost

    @api.model
    def _merge_censored(self, demand, censored, lost=None):
        """Mark out-of-stock months without demand, and lost-sale months, unknown.

        Unknown months have qty NaN; a lost-sale month keeps its value (ABC).
        """
        keys = ["product_id", "warehouse_id", "period"]
        demand = demand[demand["qty"] > 0] if not demand.empty else demand
        if lost is not None and not lost.empty and not demand.empty:
            cut_short = demand.set_index(keys).index.isin(lost.set_index(keys).index)
            demand = demand.assign(qty=demand["qty"].mask(cut_short))
        if censored.empty:
            return demand.reset_index(drop=True)
        censored = censored.astype({"product_id": int, "warehouse_id": int})
        censored["period"] = pd.to_datetime(censored["period"])
        known = censored.merge(demand[keys], on=keys, how="left", indicator=True)
        unknown = known.loc[known["_merge"] == "left_only", keys]
        unknown = unknown.assign(qty=np.nan, value=0.0)
        return pd.concat([demand, unknown], ignore_index=True)
