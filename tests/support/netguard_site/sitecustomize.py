"""Fences a Python subprocess of the tests like the test process (see ../netguard.py).

On ``PYTHONPATH`` only through ``netguard.subprocess_env()``; does nothing without
``KKUI_TEST_NETGUARD``.  Loaded by file path so the subprocess's ``sys.path`` stays unchanged.
"""

import importlib.util
import os

if os.environ.get("KKUI_TEST_NETGUARD") is not None:
    _path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "netguard.py")
    _spec = importlib.util.spec_from_file_location("_kkui_test_netguard", _path)
    if _spec is not None and _spec.loader is not None:
        _module = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_module)
        _module.install_from_env()
