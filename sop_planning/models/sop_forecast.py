import re

from odoo import api, fields, models

from .sop_common import filtered_action

ABC = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
PATTERNS = [
    ("smooth", "Smooth"),
    ("erratic", "Erratic"),
    ("intermittent", "Intermittent"),
    ("lumpy", "Lumpy"),
    ("none", "No demand"),
]
# the forecast engine's selection reasons (``engine.selection``), worded
# again in the reader's language
BACKTEST_REASON = re.compile(
    r"backtest: (?:median of the (?P<top>\d+) best|lowest MSE) of (?P<models>\d+) "
    r"(?P<seasonal>seasonal )?models over (?P<points>\d+) points"
)
NEW_ITEM_REASON = re.compile(
    r"new item: first sold (?P<periods>\d+) periods? ago -> mean of the last "
    r"(?P<window>\d+) periods, or since the first sale if higher"
)
SHORT_REASON = re.compile(r"too little history: (?P<periods>\d+) periods -> mean rule")
NO_DEMAND_REASON = "no demand in history -> zero forecast"
SUPPLY_ROUTES = [
    ("buy", "Buy"),
    ("resupply", "Resupply"),
    ("manufacture", "Manufacture"),
    ("none", "No Route"),
]


class SopForecast(models.Model):
    """Statistical forecast and supply summary of one product in one warehouse.

    One record per cycle x product x warehouse: which model the engine kept,
    with which parameters, how it scored in the backtest, and, after the
    supply review, the vendor data and reliability used for the projection.
    ``skip_reason`` says why a product got no statistical forecast.
    """

    _name = "sop.forecast"
    _inherit = ["sop.frozen.mixin", "sop.run.fields.mixin", "sop.skip.reason.mixin"]
    _description = "S&OP Product Forecast"
    _order = "cycle_id, abc, product_id, warehouse_id"
    _check_company_auto = True
    _rec_name = "product_id"
    # the engine's model and statistics (the forecast run) and the supply
    # data (the supply review)
    _sop_run_fields = frozenset(
        {
            "model",
            "params",
            "engine_reason",
            "abc",
            "xyz",
            "pattern",
            "adi",
            "cv2",
            "n_periods",
            "wape",
            "mase",
            "bias",
            "sigma",
            "gap_forecast",
            "on_hand_qty",
            "supply_route",
            "source_warehouse_id",
            "supply_source",
            "vendor_id",
            "lead_time_days",
            "moq",
            "order_multiple",
            "delay_mean",
            "delay_std",
            "otif_rate",
            "vendor_delay_mean",
            "vendor_delay_std",
            "vendor_otif_rate",
            "supply_note",
            "shortage_months",
            "excess_months",
        }
    )

    cycle_id = fields.Many2one(
        "sop.cycle", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", store=True, index=True
    )
    categ_id = fields.Many2one(related="product_id.categ_id", store=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, check_company=True
    )
    plan_line_ids = fields.One2many("sop.plan.line", "forecast_id")
    state = fields.Selection(
        [("ok", "Forecast"), ("no_history", "No History"), ("skipped", "Skipped")],
        default="ok",
        required=True,
    )
    skip_reason = fields.Char(
        help="Why the product has no statistical forecast or no supply data, in "
        "the language of the run that found it; Skip Reason shows it in yours.",
    )
    model = fields.Char(readonly=True)
    params = fields.Json(string="Parameters", readonly=True)
    params_display = fields.Char(
        string="Model Parameters", compute="_compute_params_display"
    )
    engine_reason = fields.Char(string="Selection Reason as Written", readonly=True)
    engine_reason_display = fields.Char(
        string="Selection Reason",
        compute="_compute_engine_reason_display",
        help="How the forecast engine chose the model, in your language.",
    )
    abc = fields.Selection(ABC, string="ABC", readonly=True)
    xyz = fields.Selection(XYZ, string="XYZ", readonly=True)
    pattern = fields.Selection(PATTERNS, readonly=True)
    adi = fields.Float(string="ADI", readonly=True, help="Average demand interval.")
    cv2 = fields.Float(string="CV²", readonly=True)
    n_periods = fields.Integer(string="History (months)", readonly=True)
    wape = fields.Float(
        string="Backtest WAPE",
        readonly=True,
        help="Sum of the absolute backtest errors over the demand of the "
        "backtest months, in %.",
    )
    mase = fields.Float(string="Backtest MASE", readonly=True)
    bias = fields.Float(
        string="Backtest Bias",
        readonly=True,
        help="Sum of the backtest errors (forecast - demand) over the demand, "
        "in %; above 0: the forecast was too high.",
    )
    sigma = fields.Float(string="Sigma (1 month)", readonly=True)
    gap_forecast = fields.Json(
        string="Forecast Before the Plan",
        readonly=True,
        help="Statistical forecast of the months between the end of the "
        "history and the plan's first month, by month "
        '({"YYYY-MM-01": quantity}); empty when the plan starts right after '
        "the history. The supply review takes what is still to come of it "
        "from today's stock.",
    )
    # supply review
    on_hand_qty = fields.Float(digits="Product Unit", readonly=True)
    supply_route = fields.Selection(
        SUPPLY_ROUTES,
        readonly=True,
        help="What Odoo's route does for this product at this warehouse: buy "
        "from a vendor, resupply from another warehouse or manufacture.",
    )
    source_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Resupplied From",
        readonly=True,
        help="The warehouse Odoo's resupply route takes this product from.",
    )
    supply_source = fields.Char(
        string="Source as Written",
        readonly=True,
        help="The source in the language of the user who ran the supply review.",
    )
    supply_source_display = fields.Char(
        string="Source",
        compute="_compute_supply_source_display",
        help="Where the product comes from and in how many days, as Odoo's "
        "route says (e.g. from WH1, 2 days).",
    )
    vendor_id = fields.Many2one("res.partner", readonly=True)
    lead_time_days = fields.Integer(
        string="Lead Time (days)",
        readonly=True,
        help="Odoo's lead time of the route's rules, plus the vendor's delay "
        "for bought items.",
    )
    moq = fields.Float(string="MOQ", digits="Product Unit", readonly=True)
    order_multiple = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Quantity of one purchase unit of the vendor line (e.g. a pack).",
    )
    delay_mean = fields.Float(string="Mean Delay (days)", readonly=True)
    delay_std = fields.Float(string="Delay Std Dev (days)", readonly=True)
    otif_rate = fields.Float(string="OTIF (%)", readonly=True)
    vendor_delay_mean = fields.Float(string="Vendor Mean Delay (days)", readonly=True)
    vendor_delay_std = fields.Float(string="Vendor Delay Std Dev (days)", readonly=True)
    vendor_otif_rate = fields.Float(string="Vendor OTIF (%)", readonly=True)
    supply_note = fields.Char(
        string="Supply Note as Written",
        readonly=True,
        help="The supply note in the language of the run that wrote it; "
        "Supply Note shows it in yours.",
    )
    supply_note_display = fields.Char(
        string="Supply Note", compute="_compute_supply_note_display"
    )
    shortage_months = fields.Integer(readonly=True)
    excess_months = fields.Integer(readonly=True)

    _product_warehouse_unique = models.UniqueIndex(
        "(cycle_id, product_id, warehouse_id)",
        "A cycle has one forecast per product and warehouse.",
    )

    def _sop_run_name(self):
        return self.env._("the forecast run and the supply review")

    def _frozen_fixed_fields(self):
        """A forecast is one product and warehouse of its cycle."""
        return super()._frozen_fixed_fields() | {
            "company_id",
            "product_id",
            "warehouse_id",
        }

    @api.depends(
        "supply_source",
        "supply_route",
        "source_warehouse_id",
        "vendor_id",
        "lead_time_days",
    )
    @api.depends_context("lang")
    def _compute_supply_source_display(self):
        for forecast in self:
            forecast.supply_source_display = (
                forecast.supply_source
                and self._supply_source_label(
                    forecast.supply_route,
                    forecast.source_warehouse_id,
                    forecast.vendor_id,
                    forecast.lead_time_days,
                )
                or forecast.supply_source
            )

    @api.depends("supply_note", "supply_route", "vendor_id", "lead_time_days")
    @api.depends_context("lang")
    def _compute_supply_note_display(self):
        """The supply review's note in the reader's words, worded again from
        the route, vendor and lead time it was written from."""
        supply_note = self.env["sop.cycle"]._supply_note
        for forecast in self:
            forecast.supply_note_display = forecast.supply_note and (
                supply_note(
                    forecast.vendor_id.id or None,
                    forecast.lead_time_days,
                    forecast.supply_route,
                )
                or forecast.supply_note
            )

    @api.model
    def _skip_text(self, words):
        """A forecast's skip reason in ``self.env``'s language from its
        (code, values) ``words`` (``_skip_words``)."""
        env, values = self.env, words.get("values") or {}
        texts = {
            "archived": lambda: env._("Archived product: not forecast."),
            "no_history": lambda: env._("No sales history in the window."),
            "unit_mismatch": lambda: env._(
                "No usable sales history: %s line(s) in a unit that cannot be "
                "converted to the product's unit.",
                values["lines"],
            ),
            "engine_failed": lambda: env._(
                "The forecast engine failed on this batch: %s", values["error"]
            ),
        }
        return texts[words["code"]]()

    @api.model
    def _supply_source_label(self, route, warehouse, vendor, days):
        """'from WH1, 2 days' / 'Vendor, 30 days' / 'manufactured, 5 days' in
        the language of ``self.env``; None without a source."""
        if route == "resupply" and warehouse:
            return self.env._(
                "from %(warehouse)s, %(days)s days",
                warehouse=warehouse.code or warehouse.name,
                days=days,
            )
        if route == "buy" and vendor:
            return self.env._(
                "%(vendor)s, %(days)s days", vendor=vendor.display_name, days=days
            )
        if route == "manufacture":
            return self.env._("manufactured, %s days", days)
        return None

    @api.depends("engine_reason")
    @api.depends_context("lang")
    def _compute_engine_reason_display(self):
        for forecast in self:
            forecast.engine_reason_display = forecast._worded_engine_reason(
                forecast.engine_reason
            )

    def _worded_engine_reason(self, reason):
        """The engine's selection ``reason`` in the language of ``self.env``;
        a reason of another shape as it is."""
        if not reason:
            return reason
        if match := BACKTEST_REASON.fullmatch(reason):
            values = {
                "models": match["models"],
                "points": match["points"],
                "top": match["top"],
            }
            if match["seasonal"]:
                return (
                    self.env._(
                        "backtest: median of the %(top)s best of %(models)s "
                        "seasonal models over %(points)s points",
                        **values,
                    )
                    if match["top"]
                    else self.env._(
                        "backtest: lowest error of %(models)s seasonal models "
                        "over %(points)s points",
                        **values,
                    )
                )
            return (
                self.env._(
                    "backtest: median of the %(top)s best of %(models)s models "
                    "over %(points)s points",
                    **values,
                )
                if match["top"]
                else self.env._(
                    "backtest: lowest error of %(models)s models over %(points)s "
                    "points",
                    **values,
                )
            )
        if match := NEW_ITEM_REASON.fullmatch(reason):
            return self.env._(
                "new item, first sold %(periods)s months ago: mean of the last "
                "%(window)s months, or since the first sale if higher",
                periods=match["periods"],
                window=match["window"],
            )
        if match := SHORT_REASON.fullmatch(reason):
            return self.env._(
                "too little history (%(periods)s months): mean of the history",
                periods=match["periods"],
            )
        if reason == NO_DEMAND_REASON:
            return self.env._("no demand in the history: zero forecast")
        return reason

    @api.depends("params")
    def _compute_params_display(self):
        for forecast in self:
            params = forecast.params or {}
            forecast.params_display = ", ".join(
                f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}"
                for key, value in sorted(params.items())
            )

    def action_open_plan_lines(self):
        """Open the monthly plan lines of this forecast."""
        self.ensure_one()
        return filtered_action(
            self.env,
            "sop_planning.sop_plan_line_action",
            [("forecast_id", "=", self.id)],
            {},
        )
