from . import res_company
from . import res_config_settings
from . import sop_cycle
from . import sop_demo_generator
