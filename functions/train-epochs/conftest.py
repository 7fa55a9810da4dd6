"""Makes baton_step (from the template) importable, as it is inside the function's image."""

import os
import sys

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "template", "baton-python")
if os.path.abspath(TEMPLATE_DIR) not in sys.path:
    sys.path.insert(0, os.path.abspath(TEMPLATE_DIR))
