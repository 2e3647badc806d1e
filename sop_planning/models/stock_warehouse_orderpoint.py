from odoo import api, fields, models
from odoo.tools import float_round

from ..engine.policy_rounding import order_quantum


class StockWarehouseOrderpoint(models.Model):
    _inherit = "stock.warehouse.orderpoint"

    sop_managed = fields.Boolean(
        string="Managed by S&OP",
        readonly=True,
        copy=False,
        help="Min, max and multiple come from the company's approved S&OP plan.",
    )
    sop_manual = fields.Boolean(
        string="Manual (not S&OP)",
        copy=False,
        help="S&OP never overwrites this rule, even when its plan covers the product.",
    )
    sop_policy_id = fields.Many2one(
        "sop.inventory.policy",
        string="S&OP Policy",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    sop_date_checked = fields.Date(
        string="S&OP Checked On",
        readonly=True,
        copy=False,
        help="Last day the S&OP replenishment run looked at this rule.",
    )
    sop_cycle_id = fields.Many2one(
        related="sop_policy_id.cycle_id", string="S&OP Cycle"
    )

    @api.autovacuum
    def _unlink_processed_orderpoints(self):
        """Odoo deletes the manual rules the superuser created once nothing is
        left to order (its replenishment report's own, refilled): daily and
        on opening the report. The rules of the S&OP plan stay: the nightly
        refresh creates them as the cron's user, and refilled is their
        normal state."""
        rules = self.with_context(active_test=False)
        not_planned = [("sop_managed", "=", False)]
        rules = (
            rules.filtered_domain(not_planned) if rules else rules.search(not_planned)
        )
        if not rules:  # Odoo's would then search every rule
            return rules
        return super(StockWarehouseOrderpoint, rules)._unlink_processed_orderpoints()

    def _sop_check_again(self):
        """The daily S&OP run checks these rules again now, not tomorrow."""
        if self:
            self.sudo().sop_date_checked = False
            self.env.ref("sop_planning.ir_cron_sop_replenish").sudo()._trigger()

    def action_replenish(self, force_to_max=False):
        """Order now, as Odoo does; an S&OP rule stays after it (Odoo then
        deletes the superuser's manual rules with nothing left to order)."""
        return super(
            StockWarehouseOrderpoint, self.with_context(sop_keep_plan_rules=True)
        ).action_replenish(force_to_max=force_to_max)

    def unlink(self):
        """Within ``action_replenish``, only the rules that are not the plan's."""
        if self.env.context.get("sop_keep_plan_rules"):
            return super(
                StockWarehouseOrderpoint,
                self.filtered_domain([("sop_managed", "=", False)]),
            ).unlink()
        return super().unlink()

    def _check_company(self, fnames=None):
        """Check the companies of many rules at once, then as Odoo does.

        Odoo filters the linked records of each rule and field one by one (a
        fifth of creating a thousand rules); here the linked records of all
        the rules of a company are filtered together, field by field. Only
        when one of them is of another company does Odoo's own check run,
        to raise its message on the rule concerned.
        """
        if len(self) > 1 and self._sop_companies_consistent(fnames):
            return None
        return super()._check_company(fnames)

    def _sop_companies_consistent(self, fnames=None):
        """True if every record linked to these rules by a field checked for
        its company is of the rule's company (or shared); False when unsure
        (fields of a company-dependent value: Odoo's check decides)."""
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        checked = [
            self._fields[name]
            for name in fnames
            if self._fields[name].relational and self._fields[name].check_company
        ]
        if any(field.company_dependent for field in checked):
            return False
        for company, rules in self.grouped("company_id").items():
            for field in checked:
                linked = rules.sudo().mapped(field.name)
                domain = linked and linked._check_company_domain(company)
                if domain and linked != linked.with_context(
                    active_test=False
                ).filtered_domain(domain):
                    return False
        return True

    def _get_multiple_rounded_qty(self, qty_to_order):
        """Round what an S&OP rule orders up to quantities one can buy.

        First the rule's multiple, as Odoo does (the vendor's pack, which the
        plan writes to the rule), then whole packs that are whole steps of
        the product's unit: whole pieces for a product counted in units (a
        tray of 30 for a product counted in dozens: 5 dozens). Rounding up,
        the order never leaves the stock below the rule's maximum.

        Odoo also rounds up to the vendor's unit of measure, found per rule
        by a rule and vendor search (most of the time of computing thousands
        of rules); it is skipped when every vendor of the product buys in
        the product's own unit: whichever is chosen, nothing changes.
        """
        if not self.sop_managed:
            return super()._get_multiple_rounded_qty(qty_to_order)
        if self.replenishment_uom_id or not self._vendor_uom_only():
            qty_to_order = super()._get_multiple_rounded_qty(qty_to_order)
        if qty_to_order > 0:
            step = self.product_uom._sop_quantity_step()
            unit = self.replenishment_uom_id
            pack = unit._sop_packs(self.product_uom) if unit else 0.0
            qty_to_order = float_round(
                qty_to_order,
                precision_rounding=float(order_quantum(step, pack)) if pack else step,
                rounding_method="UP",
            )
        return qty_to_order

    def _vendor_uom_only(self):
        """True if only vendors in the product's own unit can round this rule."""
        self.ensure_one()
        if "mrp.bom" in self.env:  # manufactured: the BoM's unit may round
            return False
        product = self.product_id
        vendors = product.seller_ids | self.supplier_id
        return all(uom == product.uom_id for uom in vendors.product_uom_id)
