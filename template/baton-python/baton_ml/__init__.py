"""The ML helpers Baton's Python steps share, apart from the wrapper (``baton_step``): dataset versions
(``datasets``), CSV tables and stratified splits (``tables``), trained models saved with skops and loaded with an
allow-list of types (``trained``), and the model registry (``registry``)::

    from baton_ml import production, load_model, model_metadata
"""

from .registry import ProductionPointer, RegistryError, is_model_name, load_model, production
from .registry import metadata as model_metadata
from .registry import signature as model_signature
from .trained import ALLOWED_UNTRUSTED_TYPES, UntrustedModelError, load_trusted_model

__all__ = [
    "ALLOWED_UNTRUSTED_TYPES",
    "ProductionPointer",
    "RegistryError",
    "UntrustedModelError",
    "is_model_name",
    "load_model",
    "load_trusted_model",
    "model_metadata",
    "model_signature",
    "production",
]
