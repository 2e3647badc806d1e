from odoo import fields, models


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

    def _sop_purchase_packaging(self, vendor, company):
        """The vendor's purchase unit of this product if it is a pack of it.

        Read from the vendor's first pricelist line for the company (the one
        the supply review takes: this variant's before the template's, then
        by sequence); empty where the vendor sells single units.
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        lines = self.seller_ids.filtered(
            lambda line: (
                line.partner_id == vendor
                and (not line.product_id or line.product_id == self)
                and (not line.company_id or line.company_id == company)
                and (not line.date_end or line.date_end >= today)
            )
        ).sorted(lambda line: (not line.product_id, line.sequence, line.id))
        uom = lines[:1].product_uom_id
        if uom and uom._sop_packs(self.uom_id):
            return uom
        return self.env["uom.uom"]
