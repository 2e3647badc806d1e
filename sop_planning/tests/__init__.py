from . import test_demand_history
from . import test_forecast_run
from . import test_sop_cycle
from . import test_sop_cycle_tour
from . import test_supply_review
from . import test_inventory_policy
from . import test_reorder_proposal
from . import test_access_matrix
