from . import test_sop_cycle
from . import test_sop_cycle_tour
