from . import sop_cycle_reject
from . import sop_adjustment_import
