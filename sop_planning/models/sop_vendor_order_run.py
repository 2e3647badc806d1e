"""The daily run's vendor orders: proposals grouped per vendor to its terms."""

import functools
import logging
import math

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..engine.policy_rounding import order_quantum
from ..engine.vendor_order import build_vendor_orders, ordered_quantity
from .sop_cycle_supply_plan import _json_safe
from .sop_step_run import DATA_ERRORS
from .sop_vendor_order import ORDERED_REASONS

_logger = logging.getLogger(__name__)
# an order's header values that are the vendor's terms (refreshed daily)
VENDOR_TERMS = ("min_value", "free_freight_value", "capacity_volume", "capacity_weight")


class SopVendorOrder(models.Model):
    _inherit = "sop.vendor.order"

    @api.model
    def _build_vendor_orders(self, companies=None):
        """Build or refresh the proposed vendor orders of ``companies``.

        One failing company is logged and skipped. Idempotent: an order
        whose lines would not change is left as it is (a second run the
        same day changes nothing).
        """
        if companies is None:
            # companies with open proposals, and those with proposed orders to
            # refresh or drop
            companies = (
                self.env["sop.reorder.proposal"]
                .sudo()
                ._read_group([("state", "=", "proposed")], ["company_id"])
            )
            companies = self.env["res.company"].union(*(c for (c,) in companies))
            companies |= self.sudo().search([("state", "=", "draft")]).company_id
            # and those whose budget costs are to clear
            companies |= (
                self.env["sop.purchase.budget"]
                .sudo()
                .search([("deferred_count", ">", 0)])
                .company_id
            )
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    self.sudo().with_company(company)._build_company_orders(company)
            except Exception as exc:  # noqa: BLE001 - logged and skipped
                _logger.warning(
                    "S&OP vendor orders of %s skipped: %s",
                    company.name,
                    exc,
                    exc_info=True,
                )

    def _build_company_orders(self, company):
        today = fields.Date.context_today(self)
        proposals = self.env["sop.reorder.proposal"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "proposed"),
                ("vendor_id", "!=", False),
            ]
        )
        lines, vendors, keys = self._vendor_order_input(company, proposals, today)
        result, order_notes = build_vendor_orders(lines, vendors)
        if not result.empty:
            result = result[result["status"] != "idle"]
        drafts = self.search([("company_id", "=", company.id), ("state", "=", "draft")])
        by_key = {f"{o.vendor_id.id}-{o.warehouse_id.id}": o for o in drafts}
        kept = self.browse()
        terms_by_key = vendors.set_index("order_key").to_dict("index")
        for key, group in result.groupby("order_key", sort=False):
            try:
                with self.env.cr.savepoint():
                    kept |= self._build_order(
                        company,
                        key,
                        group,
                        terms_by_key[key],
                        keys,
                        by_key,
                        order_notes,
                    )
            except DATA_ERRORS as exc:
                # one vendor's order with bad data: the others are built, this
                # one stays as it was (not dropped below)
                kept |= by_key.get(key, self.browse())
                _logger.warning(
                    "S&OP vendor order %s of %s not refreshed: %s",
                    key,
                    company.name,
                    exc,
                    exc_info=True,
                )
        # drafts nobody needs any more (never an order with a live RFQ; one
        # whose RFQ was cancelled is a draft again)
        (drafts - kept).filtered(
            lambda o: o.purchase_id.state in (False, "cancel")
        ).unlink()
        self._apply_budget(company, kept)

    def _build_order(self, company, key, group, terms, keys, by_key, order_notes):
        """Create or refresh the vendor order of ``key`` from its engine
        lines ``group``; return it."""
        vendor_id, warehouse_id = map(int, key.split("-"))
        header = {
            "company_id": company.id,
            "vendor_id": vendor_id,
            "warehouse_id": warehouse_id,
            "date_order": keys[key],
            "min_value": terms["min_value"],
            "free_freight_value": terms["free_freight"],
            "capacity_volume": terms["capacity_volume"],
            "capacity_weight": terms["capacity_weight"],
        }
        line_vals = [self._line_values(row) for row in group.itertuples()]
        order = by_key.get(key)
        if order and order._same_lines(header, line_vals):
            order._refresh_terms(header, line_vals)
            return order
        edited = order._buyer_quantities() if order else {}
        if order:
            order.line_ids.unlink()
            order.write(header)
        else:
            order = self.create(header)
        for vals in line_vals:
            vals["quantity"] = edited.get(
                (vals["orderpoint_id"], vals["reason"], vals["proposed_qty"]),
                vals["quantity"],
            )
        order.line_ids = [fields.Command.create(vals) for vals in line_vals]
        order.line_ids.filtered(lambda x: x.quantity != x.proposed_qty)._reprice()
        notes = order._json_notes(
            [("due_lines", order._due_lines_params()), *order_notes.get(key, [])]
        )
        order.write({"explanation_values": notes, "explanation": order._explain(notes)})
        return order

    def _vendor_order_input(self, company, proposals, today):
        """Engine lines and vendor terms, and the order date of each key."""
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        vendors_by_key = {}
        for proposal in proposals:
            key = f"{proposal.vendor_id.id}-{proposal.warehouse_id.id}"
            vendors_by_key.setdefault(key, proposal.vendor_id)
        order_dates = {}
        for key, vendor in list(vendors_by_key.items()):
            vendor = vendor.with_company(company)
            date = vendor._sop_next_order_date(today, self._last_order_date(key))
            # prepared the vendor's lead days before its order day
            if (date - today).days > max(vendor.sop_order_lead_days or 0, 0):
                del vendors_by_key[key]
            else:
                order_dates[key] = date
        if not vendors_by_key:
            return pd.DataFrame(), pd.DataFrame(columns=["order_key"]), {}
        vendor_ids = {vendor.id for vendor in vendors_by_key.values()}
        rules = Orderpoint.search(
            [
                ("company_id", "=", company.id),
                ("sop_managed", "=", True),
                ("sop_manual", "=", False),
                ("warehouse_id", "in", proposals.warehouse_id.ids),
            ]
        )
        first_vendor = (
            self.env["sop.supply.data"]
            ._vendors(company, rules.product_id)
            .set_index("product_id")["vendor_id"]
            .to_dict()
        )
        proposal_by_rule = {p.orderpoint_id: p for p in proposals}
        # a rule resupplied from another warehouse (or made) is never bought
        rules = rules.filtered(
            lambda r: (
                r in proposal_by_rule
                or (
                    first_vendor.get(r.product_id.id) in vendor_ids
                    and r.sop_policy_id.supply_route not in ("resupply", "manufacture")
                )
            )
        )
        rules = rules.with_context(global_horizon_days=0)
        prices = self._vendor_prices(company, rules.product_id, vendor_ids, today)
        rows = self._rule_rows(rules, proposals, first_vendor, vendors_by_key, prices)
        terms, dates = [], {}
        for key, vendor in vendors_by_key.items():
            vendor = vendor.with_company(company)
            dates[key] = order_dates[key]
            terms.append(self._vendor_terms(company, vendor, key, today))
        return pd.DataFrame(rows), pd.DataFrame(terms), dates

    def _vendor_prices(self, company, products, vendor_ids, today):
        """{(product_id, vendor_id): (price per product unit, price breaks,
        minimum)}.

        From the vendor's first valid price line, net of its discount, in
        the company's currency; a product without one is left out. ``price
        breaks`` is True when the vendor has several valid lines (quantity
        breaks): the line's price is then Odoo's seller selection for its
        quantity (``_break_price``); ``minimum``: the smallest quantity the
        vendor sells it from (its lines' least ``min_qty``, product unit).
        """
        if not products or not vendor_ids:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (pp.id, si.partner_id) pp.id, si.partner_id,
                       si.price * pu.factor / COALESCE(su.factor, pu.factor)
                           * (1 - COALESCE(si.discount, 0) / 100),
                       si.currency_id,
                       COUNT(*) OVER (PARTITION BY pp.id, si.partner_id) > 1,
                       MIN(si.min_qty * COALESCE(su.factor, pu.factor) / pu.factor)
                           OVER (PARTITION BY pp.id, si.partner_id)
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom pu ON pu.id = pt.uom_id
                  JOIN product_supplierinfo si
                    ON si.product_tmpl_id = pt.id
                   AND (si.product_id IS NULL OR si.product_id = pp.id)
                  LEFT JOIN uom_uom su ON su.id = si.product_uom_id
                 WHERE pp.id = ANY(%s) AND si.partner_id = ANY(%s)
                   AND si.price > 0
                   AND (si.company_id IS NULL OR si.company_id = %s)
                   AND (si.date_start IS NULL OR si.date_start <= %s)
                   AND (si.date_end IS NULL OR si.date_end >= %s)
                 ORDER BY pp.id, si.partner_id, si.product_id IS NULL,
                          si.sequence, si.min_qty, si.id
                """,
                products.ids,
                list(vendor_ids),
                company.id,
                today,
                today,
            )
        )
        currencies = self.env["res.currency"].browse({row[3] for row in rows})
        rates = {
            currency.id: currency._convert(
                1.0, company.currency_id, company, today, round=False
            )
            for currency in currencies
        }
        return {
            (product_id, vendor_id): (
                price * rates.get(currency_id, 1.0),
                breaks,
                minimum or 0.0,
            )
            for product_id, vendor_id, price, currency_id, breaks, minimum in rows
        }

    def _break_seller(self, product, vendor, quantity, company, today):
        """The vendor's price line Odoo's RFQ picks for ``quantity``
        (``_select_seller``: quantity breaks, the cheapest per unit)."""
        return product.with_company(company)._select_seller(
            partner_id=vendor, quantity=quantity, date=today, uom_id=product.uom_id
        )

    def _break_price(self, product, vendor, quantity, company, today, seller=None):
        """The price per product unit of ``quantity``, as Odoo's RFQ picks
        the vendor's price line (``_break_seller``, or ``seller`` when picked
        already), net of its discount, in the company's currency; None
        without one (or at a price of 0, as ``_vendor_prices``)."""
        if seller is None:
            seller = self._break_seller(product, vendor, quantity, company, today)
        if not seller.price:
            return None
        return seller.currency_id._convert(
            seller.price_discounted, company.currency_id, company, today, round=False
        )

    def _break_pack(self, product, vendor, quantity, company, today, seller=None):
        """Product units per pack of the price line Odoo's RFQ picks for
        ``quantity`` (or of ``seller``); 0 where it sells by the unit."""
        if seller is None:
            seller = self._break_seller(product, vendor, quantity, company, today)
        unit = seller.product_uom_id
        return unit._sop_packs(product.uom_id) if unit else 0.0

    def _rule_rows(self, rules, proposals, first_vendor, vendors_by_key, prices):
        """The engine's lines: one per rule of the vendors ordering now.

        One read per model and one query for the vendors' packs; only lines
        of a vendor with price breaks ask Odoo's seller selection.
        """
        if not rules:
            return pd.DataFrame()
        today = fields.Date.context_today(self)
        frame = pd.DataFrame(
            rules.read(
                [
                    "product_id",
                    "warehouse_id",
                    "product_min_qty",
                    "product_max_qty",
                    "replenishment_uom_id",
                    "sop_policy_id",
                    "qty_forecast",
                ],
                load=False,
            )
        ).rename(columns={"id": "line_id"})
        proposed = pd.DataFrame(
            proposals.read(["orderpoint_id", "vendor_id", "qty_projected"], load=False),
            columns=["id", "orderpoint_id", "vendor_id", "qty_projected"],
        ).rename(columns={"id": "proposal_id", "orderpoint_id": "line_id"})
        frame = frame.merge(proposed, on="line_id", how="left")
        frame["due"] = frame["proposal_id"].notna()
        frame["vendor_id"] = frame["vendor_id"].where(
            frame["due"], frame["product_id"].map(first_vendor)
        )
        frame = frame[frame["vendor_id"].notna()]
        frame["vendor_id"] = frame["vendor_id"].astype(int)
        frame["order_key"] = (
            frame["vendor_id"].astype(str) + "-" + frame["warehouse_id"].astype(str)
        )
        frame = frame[frame["order_key"].isin(list(vendors_by_key))]
        if frame.empty:
            return pd.DataFrame()
        products = self.env["product.product"].browse(
            frame["product_id"].unique().tolist()
        )
        product = pd.DataFrame(
            products.read(
                ["volume", "weight", "lst_price", "standard_price", "uom_id"],
                load=False,
            )
        ).set_index("id")
        frame = frame.join(product, on="product_id")
        policies = self.env["sop.inventory.policy"].browse(
            {int(policy) for policy in frame["sop_policy_id"] if policy}
        )
        demand = {
            p["id"]: p["demand_per_day"] for p in policies.read(["demand_per_day"])
        }
        frame["per_day"] = frame["sop_policy_id"].map(demand).fillna(0.0)
        frame["quantum"], frame["step"] = self._rule_quanta(frame, rules.company_id)
        projected = frame["qty_projected"].where(frame["due"], frame["qty_forecast"])
        # before Odoo's rounding, so the pack rounding is said
        need = np.maximum(frame["product_max_qty"] - projected, 0.0)
        pairs = list(zip(frame["product_id"], frame["vendor_id"], strict=True))
        # without a vendor price: the product's cost, no breaks, no minimum
        terms = [
            prices.get(pair, (standard, False, 0.0))
            for pair, standard in zip(pairs, frame["standard_price"], strict=True)
        ]
        unit_cost = np.array([price for price, _b, _m in terms], dtype=float)
        breaks = np.array([has_breaks for _p, has_breaks, _m in terms], dtype=bool)
        minimum = np.array([least for _p, _b, least in terms], dtype=float)
        # what the line orders if ordered (the engine's rule)
        quantum = frame["quantum"].to_numpy(float).copy()
        needed = need.to_numpy(float)
        quantities = ordered_quantity(needed, minimum, quantum)[0]
        for row in np.flatnonzero(breaks & (quantities > 0)):
            product = products.browse(pairs[row][0])
            vendor = self.env["res.partner"].browse(pairs[row][1])
            terms = (product, vendor, float(quantities[row]), rules.company_id, today)
            seller = self._break_seller(*terms)
            # in whole packs of the price line Odoo's RFQ picks for it (a
            # vendor selling by the unit and, cheaper, by packs of 6)
            pack = self._break_pack(*terms, seller=seller)
            if pack > quantum[row]:
                quantum[row] = order_quantum(frame["step"].iat[row], pack)
                quantities[row] = ordered_quantity(
                    needed[row : row + 1],
                    minimum[row : row + 1],
                    quantum[row : row + 1],
                )[0][0]
                seller = None  # the price line of the whole packs
            # the price break of the quantity the line orders if ordered
            price = self._break_price(
                product,
                vendor,
                float(quantities[row]),
                rules.company_id,
                today,
                seller=seller,
            )
            unit_cost[row] = unit_cost[row] if price is None else price
        per_day = frame["per_day"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            days_to_reorder = np.where(
                per_day > 0, (projected - frame["product_min_qty"]) / per_day, np.inf
            )
            days_to_stockout = np.where(
                per_day > 0, np.maximum(projected, 0.0) / per_day, np.inf
            )
        return pd.DataFrame(
            {
                "line_id": frame["line_id"],
                "order_key": frame["order_key"],
                "due": frame["due"],
                "need_qty": need,
                "min_qty": minimum,
                "quantum": quantum,
                "unit_cost": np.maximum(unit_cost, 0.0),
                "unit_volume": frame["volume"],
                "unit_weight": frame["weight"],
                "unit_margin": frame["lst_price"] - unit_cost,
                "days_to_reorder": days_to_reorder,
                "days_to_stockout": days_to_stockout,
                "product_id": frame["product_id"],
                "proposal_id": frame["proposal_id"].fillna(0).astype(int),
                "projected": projected,
                "reorder_point": frame["product_min_qty"],
                "price_breaks": breaks,
                "vendor_id": frame["vendor_id"],
            }
        ).reset_index(drop=True)

    def _rule_quanta(self, frame, company):
        """(order steps, quantity steps) of the rules in their product's
        unit: the smallest quantity of whole vendor packs
        (``product.product._sop_purchase_packagings``, else the rule's
        replenishment unit if a pack) that is whole steps of the unit (a
        tray of 30 for a product counted in dozens: 5 dozens)."""
        pairs = zip(frame["product_id"], frame["vendor_id"], strict=True)
        vendor_packs = self.env["product.product"]._sop_purchase_packagings(
            pairs, company
        )
        vendor_uom = {key: uom.id for key, uom in vendor_packs.items()}
        Uom = self.env["uom.uom"]

        @functools.cache
        def packs_of(uom_id, product_uom_id):
            if not uom_id:
                return 0.0
            return Uom.browse(uom_id)._sop_packs(Uom.browse(product_uom_id))

        @functools.cache
        def step(product_uom_id):
            return Uom.browse(product_uom_id)._sop_quantity_step()

        packs = []
        for product_id, vendor_id, product_uom, rule_uom in zip(
            frame["product_id"],
            frame["vendor_id"],
            frame["uom_id"],
            frame["replenishment_uom_id"],
            strict=True,
        ):
            pack = packs_of(vendor_uom.get((product_id, vendor_id)), product_uom)
            if not pack and rule_uom:
                pack = packs_of(int(rule_uom), product_uom)
            packs.append(pack)
        steps = [step(product_uom) for product_uom in frame["uom_id"]]
        return order_quantum(steps, packs).tolist(), steps

    def _vendor_terms(self, company, vendor, key, today):
        currency = vendor.sop_order_currency_id or company.currency_id

        def money(amount):
            return currency._convert(amount or 0.0, company.currency_id, company, today)

        return {
            "order_key": key,
            "min_value": money(vendor.sop_min_order_value),
            "free_freight": money(vendor.sop_free_freight_value),
            "capacity_volume": vendor.sop_capacity_volume or 0.0,
            "capacity_weight": vendor.sop_capacity_weight or 0.0,
            "review_days": float(vendor.sop_review_days),
        }

    def _last_order_date(self, key):
        vendor_id, warehouse_id = map(int, key.split("-"))
        last = self.search(
            [
                ("vendor_id", "=", vendor_id),
                ("warehouse_id", "=", warehouse_id),
                ("state", "!=", "draft"),
            ],
            order="date_order desc",
            limit=1,
        )
        return last.date_order or None

    def _line_values(self, row):
        ordered = row.status in ORDERED_REASONS
        qty = row.qty if ordered else 0.0
        product = self.env["product.product"].browse(row.product_id)
        price = row.unit_cost
        if row.price_breaks and qty > 0 and abs(qty - row.rounded_qty) > 1e-9:
            # cut to the capacity: the price break of what is left
            vendor = self.env["res.partner"].browse(row.vendor_id)
            price = self._break_price(
                product, vendor, qty, self.env.company, fields.Date.context_today(self)
            )
            price = row.unit_cost if price is None else price
        return {
            "product_id": row.product_id,
            "orderpoint_id": row.line_id,
            "proposal_id": int(row.proposal_id) or False,
            "reason": row.status,
            "quantity": qty,
            "proposed_qty": qty,
            "price_unit": price,
            "days_to_stockout": row.days_to_stockout
            if math.isfinite(row.days_to_stockout)
            else 0.0,
            "qty_projected": row.projected,
            "reorder_point": row.reorder_point,
            "note_values": self._json_notes(row.notes),
            "explanation": "; ".join(
                self._note_text(code, params, product) for code, params in row.notes
            ),
        }

    @api.model
    def _json_notes(self, notes):
        """The engine's ``(code, params)`` notes as JSON, to word them for
        each reader."""
        return [[code, _json_safe(params)] for code, params in notes]

    def _buyer_quantities(self):
        """The quantities the buyer changed, by (rule, reason, proposed
        quantity): a rebuilt order keeps them where the run proposes the
        same again."""
        self.ensure_one()
        return {
            (line.orderpoint_id.id, line._built_reason(), line.proposed_qty): (
                line.quantity
            )
            for line in self.line_ids
            if line.reason in ORDERED_REASONS and line.quantity != line.proposed_qty
        }

    def _refresh_terms(self, header, line_vals):
        """The vendor's terms of today on an order whose lines stay: its
        minimum, free freight and capacities, the price of each line the
        buyer left as proposed; a line the buyer changed is repriced."""
        self.ensure_one()
        terms = {
            name: value
            for name, value in header.items()
            if name in VENDOR_TERMS and self[name] != value
        }
        if terms:
            self.write(terms)
        price_of = {
            (vals["orderpoint_id"], vals["reason"], vals["proposed_qty"]): vals[
                "price_unit"
            ]
            for vals in line_vals
        }
        edited = self.line_ids.filtered(lambda x: x.quantity != x.proposed_qty)
        for line in self.line_ids - edited:
            price = price_of.get(
                (line.orderpoint_id.id, line._built_reason(), line.proposed_qty)
            )
            if price is not None and line.currency_id.compare_amounts(
                price, line.price_unit
            ):
                line.price_unit = price
        edited._reprice()

    def _same_lines(self, header, line_vals):
        """True if this order already holds exactly these lines."""
        self.ensure_one()
        mine = sorted(
            (line.orderpoint_id.id, line._built_reason(), line.proposed_qty)
            for line in self.line_ids
        )
        new = sorted(
            (vals["orderpoint_id"], vals["reason"], vals["proposed_qty"])
            for vals in line_vals
        )
        return mine == new and self.date_order == header["date_order"]

    def _note_text(self, code, params, product=None):
        """One rule applied, in words in the language of ``self.env``."""
        amount = (self.currency_id or self.env.company.currency_id).format
        uom = product.uom_id.name if product else ""

        def number(value):
            return f"{round(value, 2):g}"

        texts = {
            "due_lines": lambda: self.env._(
                "%(due)s lines below their reorder point; order date %(date)s.",
                due=params["due"],
                date=format_date(self.env, params["date"]),
            ),
            "pack": lambda: self.env._(
                "raised from %(need)s to %(qty)s: pack of %(pack)s %(uom)s",
                need=number(params["need"]),
                qty=number(params["qty"]),
                pack=number(params["pack"]),
                uom=uom,
            ),
            "vendor_min": lambda: self.env._(
                "raised from %(need)s to %(qty)s: the vendor sells from "
                "%(minimum)s %(uom)s",
                need=number(params["need"]),
                qty=number(params["qty"]),
                minimum=number(params["minimum"]),
                uom=uom,
            ),
            "added_min": lambda: self.env._(
                "added: reaches the %s minimum", amount(params["target"])
            ),
            "added_freight": lambda: self.env._(
                "added: toward the %s free-freight threshold",
                amount(params["target"]),
            ),
            "below_freight": lambda: self.env._(
                "below the %(target)s free-freight threshold at %(value)s: the "
                "vendor has nothing more to bring forward",
                target=amount(params["target"]),
                value=amount(params["value"]),
            ),
            "cut_volume": lambda: self.env._(
                "cut: over the order's volume capacity %(capacity)s (now %(qty)s)",
                capacity=params["capacity"],
                qty=number(params["qty"]),
            ),
            "cut_weight": lambda: self.env._(
                "cut: over the order's weight capacity %(capacity)s (now %(qty)s)",
                capacity=params["capacity"],
                qty=number(params["qty"]),
            ),
            "below_min": lambda: self.env._(
                "below the %(target)s minimum at %(value)s: the vendor has nothing "
                "more to bring forward",
                target=amount(params["target"]),
                value=amount(params["value"]),
            ),
            "deferred": lambda: self.env._(
                "deferred: over the %(amount)s purchase budget %(budget)s "
                "(lowest stockout risk x margin)",
                amount=amount(params["budget"]),
                budget=params["name"],
            ),
        }
        return texts[code]()

    def _due_lines_params(self):
        """How many lines are due, and the order date, for its first note."""
        self.ensure_one()
        return {
            "due": len(self.line_ids.filtered(lambda x: x.reason == "due")),
            "date": fields.Date.to_string(self.date_order),
        }

    def _explain(self, notes):
        """The order's explanation in the language of ``self.env``: its own
        notes (``explanation_values``), one line per rule applied, then its
        lines' notes and the budgets that deferred lines."""
        self.ensure_one()
        lines = [self._note_text(code, params) for code, params in notes]
        for line in self.line_ids:
            if line.explanation_display:
                lines.append(
                    f"{line.product_id.display_name}: {line.explanation_display}"
                )
        lines += dict.fromkeys(
            self.line_ids.filtered("budget_id").mapped("budget_note_display")
        )
        return "\n".join(filter(None, lines))
