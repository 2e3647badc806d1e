"""The engine imports and runs without Odoo."""

import subprocess
import sys


def test_engine_imports_without_odoo():
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'odoo' or name.startswith('odoo.'):\n"
        "            raise ImportError('odoo is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import sop_planning.engine, sop_planning.engine.cli\n"
        "assert not any(m == 'odoo' or m.startswith('odoo.') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_without_arguments_explains_usage():
    proc = subprocess.run(
        [sys.executable, "-m", "sop_planning.engine"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "usage: python -m sop_planning.engine" in proc.stderr


def test_public_api_resolves_and_package_import_stays_light():
    code = (
        "import sys\n"
        "import sop_planning.engine as engine\n"
        "heavy = {'pandas', 'scipy', 'statsmodels', 'xlsxwriter'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "for name in engine.__all__:\n"
        "    assert getattr(engine, name) is not None, name\n"
        "from sop_planning.engine import run_forecast\n"
        "from sop_planning.engine.forecast import run_forecast as direct\n"
        "assert run_forecast is direct\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_policy_of_slow_items_does_not_load_scipy_stats():
    """Poisson and negative binomial policies without scipy.stats' second of
    import time (the CLI's start-up)."""
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "from sop_planning.engine.policy import compute_policy\n"
        "items = pd.DataFrame({'item_id': [1, 2], 'lead_time_days': 30.0,\n"
        "    'unit_cost': 1.0, 'pattern': 'lumpy'})\n"
        "demand = pd.DataFrame({'item_id': [1, 2], 'period': '2030-01-01',\n"
        "    'forecast': [0.5, 3.0], 'sigma': [0.5, 9.0]})\n"
        "policy = compute_policy(items, demand, freq='M')\n"
        "assert set(policy['method']) == {'poisson', 'negbin'}, policy['method']\n"
        "assert 'scipy.stats' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
