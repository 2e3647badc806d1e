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
