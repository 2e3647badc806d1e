from odoo import models


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
