# The Odoo layer is registered only when Odoo loads this package, so that
# ``import sop_planning.engine`` works in a plain Python without Odoo.
if __name__.startswith("odoo.addons."):
    from . import models
    from . import wizards
