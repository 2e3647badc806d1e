"""Supply data read in bulk: stock, open moves, vendors and their reliability.

- on hand: quants in the internal locations of each warehouse;
- incoming: moves not done/cancelled/draft into the warehouse (from outside
  it) by month of their expected date (confirmed purchases, transfers...);
- committed out: such moves from the warehouse to a customer, to transit
  or to another warehouse (a transfer leaves the source on its date and
  reaches the destination as its incoming: counted once on each side);
- source: what Odoo's own route does for each product x warehouse (the rule
  chain of ``product._get_rules_from_location``, as a reordering rule finds
  it): buy, resupply from another warehouse, or manufacture; lead time of
  the rules (``stock.rule._get_lead_days``), plus the vendor's for bought
  items;
- vendor: the first vendor pricelist line of the product (sequence, then id)
  valid for the company: lead time (``delay``) and MOQ (``min_qty``);
- reliability, per product and per vendor, over confirmed purchase lines
  whose promised date (``date_planned``) is in the window and past: delay of
  each done receipt = receipt day - promised day (mean, population standard
  deviation); on-time-in-full = share of lines fully received on or before
  the promised day; transfers into a warehouse the same, per product and
  warehouse, from done moves that came from transit or another warehouse
  (promised day: the move's deadline).
"""

import logging

import numpy as np
import pandas as pd

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .sop_common import MOVE_QTY, MOVE_UOM_JOIN

_logger = logging.getLogger(__name__)

SOURCE_COLUMNS = ["product_id", "warehouse_id", "route", "source_warehouse_id"]
MONTH_DAYS = 30.4375


def pulled_demand(fed, columns):
    """Monthly rows of resupplied warehouses as the demand they pull.

    ``fed``: ``period`` (month start), ``lead_time`` (days of the transfer)
    and the quantity ``columns``. A transfer leaves its source lead time
    days before the month's demand: a share lead / month of each month's
    quantity is pulled in the month before, the rest in the month itself.
    """
    share = fed["lead_time"].astype(float).fillna(0.0).clip(0.0, MONTH_DAYS)
    share = share / MONTH_DAYS
    same = fed.assign(**{c: fed[c] * (1.0 - share) for c in columns})
    early = fed.assign(
        period=(fed["period"].dt.to_period("M") - 1).dt.to_timestamp(),
        **{c: fed[c] * share for c in columns},
    )
    return pd.concat([same, early[share > 0]], ignore_index=True)


def projected_demand(lines, before_plan=True):
    """Each month's demand the stock projection takes from ``lines``: the
    consensus and what other warehouses pull (``pulled``), with
    ``before_plan`` the first month's demand before the plan (``prior``),
    at least the deliveries already committed (not counted twice)."""
    demand = lines["consensus"] + lines["pulled"]
    if before_plan:
        demand = demand + lines["prior"]
    return np.maximum(demand, lines["committed"])


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
    def _open_moves(self, company, warehouses, products, first_month, unit="month"):
        """DataFrame product_id, warehouse_id, period, incoming, committed.

        ``period``: the move's month (``unit`` "day": its day in the
        company's time zone, as order dates are). Moves dated before
        ``first_month`` (late) count in that month (day).
        """
        tz = (company.partner_id.tz if unit == "day" else None) or "UTC"
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                WITH moves AS (
                    SELECT m.product_id, m.product_qty AS qty,
                           sl.usage AS src_usage, sl.warehouse_id AS src_wh,
                           dl.usage AS dest_usage, dl.warehouse_id AS dest_wh,
                           GREATEST(
                               date_trunc(
                                   %(unit)s,
                                   m.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s
                               )::date,
                               %(first)s
                           ) AS period
                      FROM stock_move m
                      JOIN stock_location sl ON sl.id = m.location_id
                      JOIN stock_location dl ON dl.id = m.location_dest_id
                     WHERE m.state NOT IN ('draft', 'done', 'cancel')
                       AND m.company_id = %(company)s
                       AND m.product_id = ANY(%(products)s)
                )
                SELECT product_id, warehouse_id, period,
                       SUM(incoming), SUM(committed)
                  FROM (
                    SELECT product_id, dest_wh AS warehouse_id, period,
                           qty AS incoming, 0 AS committed
                      FROM moves
                     WHERE dest_usage = 'internal' AND dest_wh = ANY(%(wh)s)
                       AND (src_usage != 'internal'
                            OR src_wh IS DISTINCT FROM dest_wh)
                    UNION ALL
                    SELECT product_id, src_wh, period, 0, qty
                      FROM moves
                     WHERE src_usage = 'internal' AND src_wh = ANY(%(wh)s)
                       AND (dest_usage IN ('customer', 'transit')
                            OR (dest_usage = 'internal'
                                AND dest_wh IS DISTINCT FROM src_wh))
                  ) flows
                 GROUP BY 1, 2, 3
                """,
                first=first_month,
                unit=unit,
                tz=tz,
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
        of the vendor line, e.g. a pack of 6) are in the product's UoM; a
        negative minimum reads as none, as Odoo's seller selection reads it.
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (pp.id) pp.id, si.partner_id, si.delay,
                       GREATEST(si.min_qty, 0)
                           * COALESCE(su.factor, pu.factor) / pu.factor,
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
    def _sources(self, company, warehouses, products):
        """DataFrame product_id, warehouse_id, route, source_warehouse_id, rule_days.

        ``route`` is what Odoo's procurement would do for a reordering rule
        at the warehouse's stock: ``buy``, ``resupply`` (from
        ``source_warehouse_id``), ``manufacture`` or ``none``; ``rule_days``
        is Odoo's lead time of the rules (``stock.rule._get_lead_days``)
        without the vendor's own delay. The rule chain depends only on the
        location, the rule's route and the product's and category's routes:
        it is searched once per distinct set (as Odoo's ``_compute_rules``
        caches it), not per product; a manufactured product's delay is its
        BoM's, read per product.
        """
        products = products.with_company(company).sudo()
        Route = self.env["stock.route"].sudo()
        routed = (
            self.env["stock.warehouse.orderpoint"]
            .sudo()
            .search_fetch(
                [
                    ("product_id", "in", products.ids),
                    ("location_id", "in", warehouses.lot_stock_id.ids),
                    ("route_id", "!=", False),
                ],
                ["product_id", "location_id", "route_id"],
            )
        )
        rule_route = {
            (op.product_id.id, op.location_id.id): op.route_id for op in routed
        }
        chains, rows, manufactured = {}, [], []
        for warehouse in warehouses.sudo():
            location = warehouse.lot_stock_id
            for product in products:
                route = rule_route.get((product.id, location.id), Route)
                key = (
                    location.id,
                    route.id,
                    frozenset(product.route_ids.ids),
                    product.categ_id.id,
                    *self._route_filter_key(product),
                )
                if key not in chains:
                    chains[key] = self._chain_source(product, warehouse, route)
                kind, source, days = chains[key]
                if kind == "manufacture":
                    manufactured.append(len(rows))
                rows.append((product.id, warehouse.id, kind, source, days))
        frame = pd.DataFrame(rows, columns=[*SOURCE_COLUMNS, "rule_days"])
        for row in manufactured:  # the BoM's delay is the product's own
            product = products.browse(int(frame.at[row, "product_id"]))
            warehouse = warehouses.browse(int(frame.at[row, "warehouse_id"]))
            rules = product._get_rules_from_location(warehouse.lot_stock_id)
            frame.at[row, "rule_days"] = self._rule_days(rules, product)
        return frame

    @api.model
    def _route_filter_key(self, product):
        """What Odoo's warehouse route filter looks at on the product: a
        vendor for Buy routes (purchase_stock), a normal BoM for Manufacture
        routes (mrp)."""
        normal_bom = "mrp.bom" in self.env and any(
            bom.type == "normal" for bom in product.bom_ids
        )
        return bool(product.seller_ids), normal_bom

    @api.model
    def _chain_source(self, product, warehouse, route):
        """(route kind, source warehouse id, rule days) of one rule chain."""
        try:
            rules = product._get_rules_from_location(
                warehouse.lot_stock_id, route_ids=route
            )
        except UserError as exc:  # a looping route: logged, planned as none
            _logger.warning("S&OP: route of %s: %s", product.display_name, exc)
            return "none", None, None
        actions = set(rules.mapped("action"))
        if "buy" in actions:
            return "buy", None, self._rule_days(rules, product)
        if "manufacture" in actions:
            return "manufacture", None, None
        last = rules[-1:]
        source = last.location_src_id.warehouse_id
        if last.action in ("pull", "pull_push") and source and source != warehouse:
            return "resupply", source.id, self._rule_days(rules, product)
        return "none", None, None

    @api.model
    def _rule_days(self, rules, product):
        """Odoo's lead time of ``rules`` for ``product``, vendor delay left out."""
        delays, _description = rules.with_context(
            bypass_delay_description=True,
            bypass_global_horizon_days=True,
            ignore_vendor_lead_time=True,
        )._get_lead_days(product)
        missing = delays.get("no_vendor_found_delay", 0) + delays.get(
            "no_bom_found_delay", 0
        )
        return float(delays["total_delay"] - missing)

    @api.model
    def _supply_sources(self, company, warehouses, products):
        """Sources with their lead time and vendor terms, per product x warehouse.

        ``_sources`` plus ``lead_time`` (days: the rules' days, plus the
        vendor's delay for bought items; NaN without a route or a vendor)
        and, for bought items (and those without route, to say why), the
        vendor's ``vendor_id, moq, multiple``.
        """
        sources = self._sources(company, warehouses, products)
        vendors = self._vendors(company, products)
        sources = sources.merge(vendors, on="product_id", how="left")
        bought = sources["route"] == "buy"
        vendor_terms = bought | (sources["route"] == "none")
        for column in ("vendor_id", "lead_time", "moq", "multiple"):
            sources[column] = pd.to_numeric(sources[column]).where(vendor_terms)
        sources["lead_time"] = (
            sources["lead_time"].astype(float) + sources["rule_days"].astype(float)
        ).where(bought, sources["rule_days"].astype(float))
        return sources

    @api.model
    def _transfer_receipts(self, company, warehouses, products, date_from, date_to):
        """Done transfers into ``warehouses``: product, warehouse, delay, on time.

        Columns ``product_id, warehouse_id, line_id`` (the move), ``delay``
        (days, done day - deadline) and ``otif`` (received in full by the
        deadline), from moves into a warehouse's internal location that came
        from transit or another warehouse, with a deadline in the window.
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.product_id, dl.warehouse_id, m.id,
                       m.date::date - m.date_deadline::date,
                       m.date::date <= m.date_deadline::date
                           AND m.quantity >= m.product_uom_qty - 1e-6
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND dl.usage = 'internal' AND dl.warehouse_id = ANY(%(wh)s)
                   AND (sl.usage = 'transit'
                        OR (sl.usage = 'internal'
                            AND sl.warehouse_id IS DISTINCT FROM dl.warehouse_id))
                   AND m.product_id = ANY(%(products)s)
                   AND m.date_deadline >= %(dfrom)s AND m.date_deadline < %(dto)s
                """,
                company=company.id,
                wh=warehouses.ids,
                products=products.ids,
                dfrom=date_from,
                dto=date_to,
            )
        )
        return _delay_frame(rows, "warehouse_id")

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
        return _delay_frame(rows, "vendor_id")

    @api.model
    def _reliability(self, receipts, key):
        """Delay mean / std (days) and OTIF (%) grouped by ``key`` (or keys)."""
        keys = key if isinstance(key, list) else [key]
        columns = [*keys, "delay_mean", "delay_std", "otif_rate"]
        if receipts.empty:
            return pd.DataFrame(columns=columns)
        delays = receipts.groupby(key)["delay"].agg(["mean", lambda s: s.std(ddof=0)])
        delays.columns = ["delay_mean", "delay_std"]
        lines = receipts.drop_duplicates("line_id")
        otif = (lines.groupby(key)["otif"].mean() * 100).rename("otif_rate")
        return delays.join(otif, how="outer").reset_index()


def _delay_frame(rows, key):
    """Rows ``product_id, <key>, line_id, delay, otif`` as a typed frame."""
    frame = pd.DataFrame(rows, columns=["product_id", key, "line_id", "delay", "otif"])
    frame["delay"] = frame["delay"].astype(float)
    frame["otif"] = frame["otif"].astype(bool)
    return frame
