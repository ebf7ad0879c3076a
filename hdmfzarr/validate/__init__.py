"""Validation of stores, containers and builder trees against HDMF specs. The package is callable (it forwards
to :func:`validate`), so ``hdmfzarr.validate(...)`` works whichever of the two that name is bound to."""

import sys
import types
from typing import Any

from .api import catalog_from_cache, validate, validate_builder
from .validator import ValidationIssue, Validator

__all__ = ["validate", "validate_builder", "ValidationIssue", "Validator", "catalog_from_cache"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> list[ValidationIssue]:
        return validate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
