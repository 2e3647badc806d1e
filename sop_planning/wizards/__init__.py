from . import sop_cycle_reject
