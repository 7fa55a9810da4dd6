"""Makes the template's packages (baton_step, the wrapper; baton_ml, the ML helpers) importable for every function's
tests, as they are inside a function's image. One file for all functions: pytest reads it for each test below."""

import os
import sys

TEMPLATE_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "template", "baton-python"))
if TEMPLATE_DIR not in sys.path:
    sys.path.insert(0, TEMPLATE_DIR)
