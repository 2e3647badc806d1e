from odoo import fields, models
from odoo.tools import SQL


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _get_rules_from_location(self, location, route_ids=False, seen_rules=False):
        """Reuse the rule chain an S&OP run already knows for its rules.

        Odoo searches the chain of stock rules again for every procurement's
        dates, although each reordering rule computed the very same chain
        (``rule_ids``: this method, same location and route). The S&OP run
        passes those chains (rule ids) in the context, keyed by product,
        location and route.
        """
        chains = self.env.context.get("sop_rule_chains")
        if chains and not seen_rules and len(self) == 1 and len(route_ids or ()) <= 1:
            key = (self.id, location.id, route_ids.id if route_ids else False)
            if key in chains:
                return self.env["stock.rule"].browse(chains[key])
        return super()._get_rules_from_location(
            location, route_ids=route_ids, seen_rules=seen_rules
        )

    def _sop_purchase_packagings(self, pairs, company):
        """{(product id, vendor id): purchase unit} of the ``pairs`` whose
        vendor sells the product in packs of it, in one query.

        Read from the vendor's first pricelist line for the company (the one
        the supply review takes: the variant's before the template's, then
        by sequence); pairs whose vendor sells single units are left out.
        """
        pairs = set(pairs)
        if not pairs:
            return {}
        self.env["product.supplierinfo"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (pp.id, si.partner_id)
                       pp.id, si.partner_id, si.product_uom_id, pt.uom_id
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN product_supplierinfo si
                    ON si.product_tmpl_id = pp.product_tmpl_id
                   AND (si.product_id IS NULL OR si.product_id = pp.id)
                 WHERE pp.id = ANY(%s) AND si.partner_id = ANY(%s)
                   AND (si.company_id IS NULL OR si.company_id = %s)
                   AND (si.date_end IS NULL OR si.date_end >= %s)
                 ORDER BY pp.id, si.partner_id, si.product_id IS NULL,
                          si.sequence, si.id
                """,
                list({product for product, _vendor in pairs}),
                list({vendor for _product, vendor in pairs}),
                company.id,
                fields.Date.context_today(self),
            )
        )
        # a line in the product's own unit is no pack
        rows = [
            row for row in rows if row[:2] in pairs and row[2] not in (None, row[3])
        ]
        Uom = self.env["uom.uom"]
        packs = {}  # (purchase unit, product unit) -> is a pack
        result = {}
        for product, vendor, uom_id, unit_id in rows:
            if (uom_id, unit_id) not in packs:
                packs[uom_id, unit_id] = bool(
                    Uom.browse(uom_id)._sop_packs(Uom.browse(unit_id))
                )
            if packs[uom_id, unit_id]:
                result[product, vendor] = Uom.browse(uom_id)
        return result
