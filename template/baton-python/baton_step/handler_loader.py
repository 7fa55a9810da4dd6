"""Loads the author's ``handler.py`` from a folder."""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType

from .errors import ConfigError


def load_handler(directory: str, module_name: str = "handler") -> ModuleType:
    """Imports ``<directory>/handler.py`` as ``module_name`` and checks it has ``handle(input, ctx)``.

    The folder goes on ``sys.path`` so the handler can import modules beside it. Tests pass a
    distinct ``module_name`` per function, because every function's file is called handler.py.
    """
    path = os.path.join(directory, "handler.py")
    if not os.path.isfile(path):
        raise ConfigError(f"no handler.py in {directory} (BATON_HANDLER_DIR)")
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "handle", None)):
        raise ConfigError(f"{path} must define a function handle(input, ctx) -> dict")
    return module
