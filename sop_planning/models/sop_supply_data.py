"""Supply data read in bulk: stock, open moves, vendors and their reliability.

- on hand: quants in the internal locations of each warehouse;
- incoming: moves not done/cancelled/draft into the warehouse (from outside
  it) by month of their expected date (confirmed purchases, transfers...);
- committed out: such moves from the warehouse to a customer;
- vendor: the first vendor pricelist line of the product (sequence, then id)
  valid for the company: lead time (``delay``) and MOQ (``min_qty``);
- reliability, per product and per vendor, over confirmed purchase lines
  whose promised date (``date_planned``) is in the window and past: delay of
  each done receipt = receipt day - promised day (mean, population standard
  deviation); on-time-in-full = share of lines fully received on or before
  the promised day.
"""

import pandas as pd

from odoo import api, models
from odoo.tools import SQL

from .sop_common import MOVE_QTY, MOVE_UOM_JOIN


class SopSupplyData(models.AbstractModel):
    """Bulk SQL reads for the supply review."""

    _name = "sop.supply.data"
    _description = "S&OP Supply Data"

    @api.model
    def _on_hand(self, company, warehouses, products):
        """DataFrame product_id, warehouse_id, on_hand (product UoM)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT q.product_id, l.warehouse_id, SUM(q.quantity)
                     FROM stock_quant q
                     JOIN stock_location l ON l.id = q.location_id
                    WHERE l.usage = 'internal' AND q.company_id = %s
                      AND l.warehouse_id = ANY(%s) AND q.product_id = ANY(%s)
                    GROUP BY 1, 2""",
                company.id,
                warehouses.ids,
                products.ids,
            )
        )
        return pd.DataFrame(rows, columns=["product_id", "warehouse_id", "on_hand"])

    @api.model
    def _open_moves(self, company, warehouses, products, first_month):
        """DataFrame product_id, warehouse_id, period, incoming, committed.

        Moves dated before ``first_month`` (late) count in that month.
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.product_id,
                       CASE WHEN dl.usage = 'internal' THEN dl.warehouse_id
                            ELSE sl.warehouse_id END,
                       GREATEST(date_trunc('month', m.date)::date, %(first)s),
                       SUM(CASE WHEN dl.usage = 'internal'
                                THEN m.product_qty ELSE 0 END),
                       SUM(CASE WHEN dl.usage = 'customer'
                                THEN m.product_qty ELSE 0 END)
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                 WHERE m.state NOT IN ('draft', 'done', 'cancel')
                   AND m.company_id = %(company)s
                   AND m.product_id = ANY(%(products)s)
                   AND ((dl.usage = 'internal' AND dl.warehouse_id = ANY(%(wh)s)
                         AND (sl.usage != 'internal'
                              OR sl.warehouse_id IS DISTINCT FROM dl.warehouse_id))
                        OR (sl.usage = 'internal' AND sl.warehouse_id = ANY(%(wh)s)
                            AND dl.usage = 'customer'))
                 GROUP BY 1, 2, 3
                """,
                first=first_month,
                company=company.id,
                products=products.ids,
                wh=warehouses.ids,
            )
        )
        frame = pd.DataFrame(
            rows,
            columns=["product_id", "warehouse_id", "period", "incoming", "committed"],
        )
        frame["period"] = pd.to_datetime(frame["period"])
        return frame

    @api.model
    def _vendors(self, company, products):
        """DataFrame product_id, vendor_id, lead_time, moq, multiple.

        From the first vendor line; MOQ and order multiple (one purchase unit
        of the vendor line, e.g. a pack of 6) are in the product's UoM.
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (pp.id) pp.id, si.partner_id, si.delay,
                       si.min_qty * COALESCE(su.factor, pu.factor) / pu.factor,
                       COALESCE(su.factor, pu.factor) / pu.factor
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom pu ON pu.id = pt.uom_id
                  JOIN product_supplierinfo si
                    ON si.product_tmpl_id = pt.id
                   AND (si.product_id IS NULL OR si.product_id = pp.id)
                  LEFT JOIN uom_uom su ON su.id = si.product_uom_id
                 WHERE pp.id = ANY(%s)
                   AND (si.company_id IS NULL OR si.company_id = %s)
                   AND (si.date_end IS NULL OR si.date_end >= CURRENT_DATE)
                 ORDER BY pp.id, si.product_id IS NULL, si.sequence, si.id
                """,
                products.ids,
                company.id,
            )
        )
        return pd.DataFrame(
            rows, columns=["product_id", "vendor_id", "lead_time", "moq", "multiple"]
        )

    @api.model
    def _receipts(self, company, products, date_from, date_to):
        """One row per purchase line: product, vendor, delays and on-time flag.

        Columns ``product_id, vendor_id, line_id, delay, otif``: one row per
        done receipt (``delay`` in days), plus one row with ``delay`` NaN for a
        line without any receipt yet; ``otif`` is the line's flag.
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                WITH receipts AS (
                    SELECT m.purchase_line_id AS line_id, m.date,
                           %(qty)s AS qty
                      FROM stock_move m
                      JOIN stock_location dl ON dl.id = m.location_dest_id
                      %(uom_join)s
                     WHERE m.state = 'done' AND dl.usage = 'internal'
                       AND m.purchase_line_id IS NOT NULL
                       AND m.product_id = ANY(%(products)s)
                ), lines AS (
                    SELECT pol.id, pol.product_id, po.partner_id,
                           pol.date_planned::date AS promised,
                           pol.product_qty * lu.factor / pu.factor AS ordered
                      FROM purchase_order_line pol
                      JOIN purchase_order po ON po.id = pol.order_id
                      JOIN product_product pp ON pp.id = pol.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      JOIN uom_uom lu ON lu.id = pol.product_uom_id
                      JOIN uom_uom pu ON pu.id = pt.uom_id
                     WHERE po.state = 'purchase' AND po.company_id = %(company)s
                       AND pol.product_id = ANY(%(products)s)
                       AND pol.product_qty > 0
                       AND pol.date_planned >= %(dfrom)s
                       AND pol.date_planned < LEAST(%(dto)s, NOW())
                ), on_time AS (
                    SELECT l.id, COALESCE(SUM(r.qty) FILTER (
                               WHERE r.date::date <= l.promised), 0)
                               >= l.ordered - 1e-6 AS otif
                      FROM lines l LEFT JOIN receipts r ON r.line_id = l.id
                     GROUP BY l.id, l.ordered
                )
                SELECT l.product_id, l.partner_id, l.id,
                       r.date::date - l.promised, o.otif
                  FROM lines l
                  JOIN on_time o ON o.id = l.id
                  LEFT JOIN receipts r ON r.line_id = l.id
                """,
                qty=MOVE_QTY,
                uom_join=MOVE_UOM_JOIN,
                products=products.ids,
                company=company.id,
                dfrom=date_from,
                dto=date_to,
            )
        )
        frame = pd.DataFrame(
            rows, columns=["product_id", "vendor_id", "line_id", "delay", "otif"]
        )
        frame["delay"] = frame["delay"].astype(float)
        frame["otif"] = frame["otif"].astype(bool)
        return frame

    @api.model
    def _reliability(self, receipts, key):
        """Delay mean / std (days) and OTIF (%) grouped by ``key``."""
        columns = [key, "delay_mean", "delay_std", "otif_rate"]
        if receipts.empty:
            return pd.DataFrame(columns=columns)
        delays = receipts.groupby(key)["delay"].agg(["mean", lambda s: s.std(ddof=0)])
        delays.columns = ["delay_mean", "delay_std"]
        lines = receipts.drop_duplicates("line_id")
        otif = (lines.groupby(key)["otif"].mean() * 100).rename("otif_rate")
        return delays.join(otif, how="outer").reset_index()
