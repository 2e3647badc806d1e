from . import test_sop_cycle
