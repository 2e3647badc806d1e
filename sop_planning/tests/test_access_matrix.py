from odoo.tests import new_test_user, tagged

from .common import SopCase

OPERATIONS = ("create", "read", "write", "unlink")

# Who may do what, per model (c = create, r = read, w = write, u = unlink).
# Also in README.md, section "Security". Button methods check their group
# again on the server (tested in test_sop_cycle / test_reorder_proposal).
ACCESS_MATRIX = {
    #                       user   planner  executive  admin   buyer  portal
    "sop.cycle":            ("r",  "crwu",  "crwu",    "crwu", "r",   ""),
    "sop.cycle.reject":     ("",   "",      "crw",     "crw",  "",    ""),
    "sop.adjustment.import": ("",  "crw",   "crw",     "crw",  "",    ""),
    "sop.adjustment.import.line": ("", "crwu", "crwu", "crwu", "",    ""),
    "sop.forecast":         ("r",  "crw",   "crw",     "crwu", "",    ""),
    "sop.plan.line":        ("r",  "crw",   "crw",     "crwu", "",    ""),
    "sop.capacity":         ("r",  "crw",   "crw",     "crwu", "",    ""),
    "sop.inventory.policy": ("r",  "r",     "r",       "crwu", "r",   ""),
    "sop.inventory.policy.change": ("r", "r", "r",     "crwu", "r",   ""),
    "sop.reorder.proposal": ("r",  "r",     "r",       "crwu", "r",   ""),
    "sop.scenario":         ("r",  "crwu",  "crwu",    "crwu", "",    ""),
    "sop.scenario.category": ("r", "crwu",  "crwu",    "crwu", "",    ""),
    "sop.scenario.month":   ("r",  "crwu",  "crwu",    "crwu", "",    ""),
    "sop.accuracy.line":    ("r",  "r",     "r",       "r",    "",    ""),
    "sop.accuracy.month":   ("r",  "r",     "r",       "r",    "",    ""),
    "sop.kpi.snapshot":     ("r",  "r",     "r",       "r",    "",    ""),
    "sop.abc.report":       ("r",  "r",     "r",       "r",    "",    ""),
    "sop.cycle.policy.backtest": ("r", "r", "r",       "crwu", "",    ""),
    "sop.step.run":         ("r",  "r",     "r",       "r",    "",    ""),
    "sop.step.chunk":       ("r",  "r",     "r",       "r",    "",    ""),
    "sop.vendor.order":     ("r",  "r",     "r",       "crwu", "rw",  ""),
    "sop.vendor.order.line": ("r", "r",     "r",       "crwu", "rw",  ""),
    "sop.purchase.budget":  ("r",  "r",     "r",       "r",    "r",   ""),
    # Odoo's rules the plan sets: S&OP roles read them, inventory writes them
    "stock.warehouse.orderpoint": ("r", "r", "r",     "r",    "r",   ""),
}  # fmt: skip
ROLES = ("sop_user", "planner", "executive", "sop_admin", "buyer", "portal")


@tagged("post_install", "-at_install")
class TestAccessMatrix(SopCase):
    """Every role gets exactly the model rights of the matrix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, "sop_matrix_buyer", groups="purchase.group_purchase_user"
        )
        cls.portal = new_test_user(
            cls.env, "sop_matrix_portal", groups="base.group_portal"
        )

    def test_model_rights_follow_the_matrix(self):
        for model, rights in ACCESS_MATRIX.items():
            for role, allowed in zip(ROLES, rights, strict=True):
                user = getattr(self, role)
                records = self.env[model].with_user(user)
                for operation in OPERATIONS:
                    with self.subTest(model=model, role=role, operation=operation):
                        self.assertEqual(
                            records.has_access(operation),
                            operation[0] in allowed,
                            f"{role} {operation} {model}",
                        )

    def test_every_model_of_the_module_is_in_the_matrix(self):
        model_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "sop_planning"), ("model", "=", "ir.model")])
            .mapped("res_id")
        )
        models = (
            self.env["ir.model"]
            .browse(model_ids)
            .filtered(lambda m: not m.abstract and m.model.startswith("sop."))
        )
        self.assertIn("sop.cycle", models.mapped("model"))
        self.assertEqual(
            set(models.mapped("model")), {m for m in ACCESS_MATRIX if m[:4] == "sop."}
        )
