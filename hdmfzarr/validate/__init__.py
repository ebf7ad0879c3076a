"""Validation of stores, containers and builder trees against HDMF specs.

``validate(store_or_container, namespace=None, type_map=None) -> list[ValidationIssue]``.

``hdmfzarr.validate`` names both this package and the function; once the package is imported
Python binds the package to that name, so the package itself is made callable (it forwards to
:func:`validate`) and ``hdmfzarr.validate(...)`` works whatever was imported first.
"""

import sys
import types

from .api import catalog_from_cache, validate, validate_builder
from .issues import ValidationIssue
from .validator import Validator

__all__ = ["validate", "validate_builder", "ValidationIssue", "Validator", "catalog_from_cache"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return validate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
