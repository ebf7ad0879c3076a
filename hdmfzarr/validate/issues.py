"""The result type of validation: one problem found at one object path."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ValidationIssue"]


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """A spec violation: where (object path), which rule (message), expected vs found; ``str(issue)`` reads like
    ``/people/age: dtype: expected int32 or wider integer, found float64``."""

    path: str
    message: str
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        if self.expected or self.found:
            return f"{self.path}: {self.message}: expected {self.expected}, found {self.found}"
        return f"{self.path}: {self.message}"
