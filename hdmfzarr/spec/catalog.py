"""SpecCatalog: the type definitions of one namespace by name, with their source files and hierarchy.

hdmf's public catalog API. It holds unresolved specs as registered; inheritance resolution lives in
``resolve.py`` and is done by ``NamespaceCatalog``.
"""

from __future__ import annotations

import copy as _copy
import warnings
from typing import Any

from ..errors import SpecError

__all__ = ["SpecCatalog"]


class SpecCatalog:
    """Type name -> spec, and the source file each type was registered from."""

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}
        self._sources: dict[str, str] = {}

    def register_spec(self, spec: Any, source_file: str) -> None:
        """Register a spec that defines a type (and the types defined inside it).

        A second, different definition of a registered type is ignored with a warning (the first wins).
        """
        dt = getattr(spec, "data_type_def", None)
        if dt is None:
            raise SpecError("cannot register a spec that has no data_type_def", key="data_type_def")
        old = self._specs.get(dt)
        if old is None:
            self._specs[dt] = spec
            self._sources[dt] = source_file
        elif old is not spec and (old != spec or self._sources[dt] != source_file):
            src = self._sources[dt]
            warnings.warn(f"{source_file} defines a different specification for {dt} than the existing definition "
                          f"from {src}. Defaulting to the existing specification from {src}, but compatibility "
                          "issues may be present. Please update the extension version if possible.", stacklevel=2)
            return
        self._nested(spec, source_file)

    def _nested(self, spec: Any, source_file: str) -> None:
        """Register the types defined inside `spec`, at any depth."""
        for sub in spec.datasets + spec.groups:
            if sub.data_type_def is not None:
                self.register_spec(sub, source_file)
            else:
                self._nested(sub, source_file)

    def auto_register(self, spec: Any, source_file: str) -> tuple[str, ...]:
        """Register `spec` and every type defined inside it; returns the types registered."""
        before = set(self._specs)
        self.register_spec(spec, source_file)
        return tuple(t for t in self._specs if t not in before) or (spec.data_type_def,)

    def get_spec(self, data_type: str) -> Any:
        """The registered spec of `data_type`, or None."""
        return self._specs.get(data_type)

    def get_registered_types(self) -> tuple[str, ...]:
        """Every registered type, in registration order."""
        return tuple(self._specs)

    def get_spec_source_file(self, data_type: str) -> str | None:
        """The source file `data_type` was registered from, or None."""
        return self._sources.get(data_type)

    def get_hierarchy(self, data_type: str) -> tuple[str, ...]:
        """`data_type` then its registered ancestors, nearest first (ValueError on a cycle)."""
        out: list[str] = []
        cur: str | None = data_type
        while cur is not None and cur in self._specs:
            if cur in out:
                raise SpecError(f"Circular reference detected in type hierarchy for {data_type}",
                                data_type=None, key=None)
            out.append(cur)
            cur = self._specs[cur].data_type_inc
        if cur is not None and out:
            out.append(cur)
        return tuple(out)

    def get_subtypes(self, data_type: str, recursive: bool = True) -> tuple[str, ...]:
        """The registered types that include `data_type` (all descendants if `recursive`)."""
        out: list[str] = []
        for dt, spec in self._specs.items():
            if spec.data_type_inc == data_type and dt != data_type:
                out.append(dt)
                if recursive:
                    out.extend(self.get_subtypes(dt, True))
        return tuple(out)

    def get_full_hierarchy(self) -> dict[str, Any]:
        """{root type: {child type: {...}}} over every registered type."""
        def tree(dt: str) -> dict[str, Any]:
            return {sub: tree(sub) for sub in self.get_subtypes(dt, recursive=False)}

        roots = [dt for dt, s in self._specs.items() if s.data_type_inc not in self._specs]
        return {dt: tree(dt) for dt in roots}

    def __copy__(self) -> "SpecCatalog":
        new = SpecCatalog()
        new._specs = dict(self._specs)
        new._sources = dict(self._sources)
        return new

    def __deepcopy__(self, memo: dict) -> "SpecCatalog":
        new = SpecCatalog()
        new._specs = {k: _copy.deepcopy(v, memo) for k, v in self._specs.items()}
        new._sources = dict(self._sources)
        return new
