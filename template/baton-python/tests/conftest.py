"""Puts the template folder on sys.path so tests import baton_step as handlers do."""

import os
import sys

TEMPLATE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TEMPLATE_DIR not in sys.path:
    sys.path.insert(0, TEMPLATE_DIR)
