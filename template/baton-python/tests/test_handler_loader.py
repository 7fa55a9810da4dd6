"""Loading handler.py: sibling imports work; a missing file or handle() fails with a clear error."""

from __future__ import annotations

import pytest

from baton_step.errors import ConfigError
from baton_step.handler_loader import load_handler


def test_loads_handler_with_sibling_module(tmp_path):
    (tmp_path / "loader_helper_mod.py").write_text("VALUE = 7\n")
    (tmp_path / "handler.py").write_text("from loader_helper_mod import VALUE\ndef handle(input, ctx):\n    return {'output': VALUE}\n")
    module = load_handler(str(tmp_path), module_name="loader_test_handler")
    assert module.handle(None, None) == {"output": 7}


def test_missing_handler_names_the_folder(tmp_path):
    with pytest.raises(ConfigError, match="BATON_HANDLER_DIR"):
        load_handler(str(tmp_path))


def test_handler_without_handle(tmp_path):
    (tmp_path / "handler.py").write_text("x = 1\n")
    with pytest.raises(ConfigError, match="handle"):
        load_handler(str(tmp_path), module_name="loader_test_no_handle")
