""""hdmfzarr's read equals the peer's read": one comparison of two container trees, field by field.

The peer side is a tree read by pynwb / hdmf (NWBHDF5IO, NWBZarrIO 0.14, hdmf-zarr's ZarrIO) with its
BuildManager; our side is a tree read by ``hdmfzarr.ZarrIO`` with its type map. Containers are matched
by ``object_id``; for each: type, name, parent, children, then every field the type's spec implies
(attributes, datasets, groups, links — keyed by their path in the spec, values read through each
side's ObjectMapper), then, for tables, ``to_dataframe()`` cell by cell. Values are materialised;
numeric dtypes must match exactly; containers compare by object_id; references by their target's
object_id. :func:`compare` returns the differences (empty = equal) and a count of what was compared.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Report", "compare", "assert_equal_reads"]


@dataclass
class Report:
    """The outcome of one comparison: what differs, how many containers/fields/cells were compared."""

    differences: list[str] = field(default_factory=list)
    containers: int = 0
    fields: int = 0
    cells: int = 0
    not_comparable: list[str] = field(default_factory=list)  # fields the peer's mapper cannot report

    def diff(self, msg: str) -> None:
        self.differences.append(msg)


# -- spec walking ----------------------------------------------------------------------------
def _sub_type(spec: Any) -> str | None:
    for attr in ("data_type_def", "data_type_inc", "neurodata_type_def", "neurodata_type_inc"):
        v = getattr(spec, attr, None)
        if v:
            return v
    tt = getattr(spec, "target_type", None)
    return tt if isinstance(tt, str) else None


def _key(path: tuple[str, ...], spec: Any, kind: str) -> str:
    name = getattr(spec, "name", None)
    if kind == "attribute":
        return "/".join(path) + "@" + name
    tag = name or "<typed>"  # unnamed typed contents of one group compare as one set (either side
    if kind == "link" and not name:  # may assign a child to any of the specs its type matches)
        tag = "<links>"
    return "/".join(path + (tag,))


def _is_typed(spec: Any) -> bool:
    return bool(getattr(spec, "data_type_def", None) or getattr(spec, "data_type_inc", None)
                or getattr(spec, "neurodata_type_def", None) or getattr(spec, "neurodata_type_inc", None))


def _spec_fields(spec: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """``(key, sub-spec)`` for every field of a resolved spec (hdmf's or hdmfzarr's), through untyped
    groups/datasets; named columns and category tables included."""
    out: list[tuple[str, Any]] = []
    for a in spec.attributes:
        out.append((_key(path, a, "attribute"), a))
    for d in getattr(spec, "datasets", ()):
        if _is_typed(d):
            out.append((_key(path, d, "dataset"), d))
            if getattr(d, "name", None):  # attributes a table's spec gives its named column (Units
                for a in getattr(d, "attributes", ()):  # spike_times@resolution)
                    out.append((_key(path + (d.name,), a, "attribute"), a))
        else:
            if getattr(d, "value", None) is None:
                out.append((_key(path, d, "dataset"), d))
            for a in d.attributes:
                out.append((_key(path + (d.name,), a, "attribute"), a))
    for g in getattr(spec, "groups", ()):
        if _is_typed(g):
            out.append((_key(path, g, "group"), g))
        else:
            out += _spec_fields(g, path + (g.name,))
    for lk in getattr(spec, "links", ()):
        out.append((_key(path, lk, "link"), lk))
    return out


def _merge(values: list[Any]) -> Any:
    """One value for a key several sub-specs share (unnamed typed contents): their containers together."""
    values = [v for v in values if v is not None and not (isinstance(v, (list, tuple, dict)) and len(v) == 0)]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    out: list[Any] = []
    for v in values:
        out += list(v.values()) if isinstance(v, dict) else list(v) if isinstance(v, (list, tuple)) else [v]
    seen: dict[int, Any] = {id(v): v for v in out}
    return list(seen.values())


# -- values ----------------------------------------------------------------------------------
def _is_container(v: Any) -> bool:
    return hasattr(v, "object_id") and hasattr(v, "parent") and not isinstance(v, type)


def _materialize(v: Any) -> Any:
    """Arrays of either library as numpy (lazy arrays, h5py/zarr datasets, DataIO, lists stay lists)."""
    if v is None or isinstance(v, (str, bytes, int, float, bool, np.generic, _dt.datetime, _dt.date)):
        return v
    if isinstance(v, np.ndarray) or (isinstance(v, tuple) and hasattr(v, "_fields")):
        return v
    if type(v).__name__ == "LinkBuilder" and hasattr(v, "builder"):  # hdmf reports a link to a dataset so
        return _materialize(getattr(v.builder, "data", v.builder))  # (timestamps linked to another series)
    mods = tuple(cls.__module__ for cls in type(v).__mro__)
    if hasattr(v, "data") and type(v).__name__ in ("DataIO", "H5DataIO", "ZarrDataIO"):
        return _materialize(v.data)
    if any(m.startswith(("h5py", "zarr")) for m in mods) or type(v).__name__ in ("LazyArray", "AppendableArray"):
        arr = v[()] if getattr(v, "shape", None) == () else v[:]
        return np.asarray(arr) if not isinstance(arr, np.ndarray) else arr
    return v


def _iso(v: Any) -> Any:
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, str):
        try:
            return _dt.datetime.fromisoformat(v).isoformat() if ("T" in v and v[:4].isdigit()) else v
        except ValueError:
            return v
    return v


def norm(v: Any, depth: int = 0) -> Any:
    """A comparable form: containers -> ('obj', object_id); arrays -> ('arr', dtype kind/name, shape, values)."""
    if depth > 6:
        return ("deep",)
    v = _materialize(v)
    if v is None:
        return None
    if _is_container(v):
        seen = 0
        while type(v).__name__ == "VectorIndex" and getattr(v, "target", None) is not None and seen < 4:
            v, seen = v.target, seen + 1  # a ragged column: hdmf reports its index, hdmfzarr its data
        return ("obj", v.object_id)
    if isinstance(v, dict):  # LabelledDict / name-keyed containers: compare as a set
        return ("set", tuple(sorted(repr(norm(x, depth + 1)) for x in v.values())))
    if hasattr(v, "to_dataframe") and not _is_container(v):
        return ("obj", getattr(v, "object_id", repr(v)))
    if type(v).__name__ == "DataFrame":
        return ("df", tuple(int(i) for i in v.index))
    if isinstance(v, (bytes, np.bytes_)):
        return _iso(bytes(v).decode("utf-8"))
    if isinstance(v, (str, np.str_, _dt.datetime, _dt.date)):
        return _iso(str(v) if isinstance(v, np.str_) else v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return ("num", int(v))
    if isinstance(v, (float, np.floating)):
        return ("num", float(v)) if not np.isnan(v) else ("nan",)
    if isinstance(v, np.void) or (isinstance(v, tuple) and hasattr(v, "_fields")):
        row = tuple(norm(x, depth + 1) for x in tuple(v))
        if getattr(v, "_fields", None) == ("idx_start", "count", "timeseries") and row[:2] == (("num", -1),) * 2:
            row = (None, None, None)  # a missing TimeSeriesReference: pynwb reports (None, None, None)
        return ("row", row)
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return ("compound", v.shape, tuple(tuple(norm(x, depth + 1) for x in row) for row in v.reshape(-1)))
        if v.dtype.kind in "biuf":
            return ("arr", v.dtype.name, v.shape, np.ascontiguousarray(v).tobytes())
        if v.dtype.kind == "c":
            return ("arr", v.dtype.name, v.shape, v.tobytes())
        if v.ndim == 1 and v.size and all(isinstance(x, tuple) and hasattr(x, "_fields") for x in v):
            return norm(list(v), depth)  # records one per cell (hdmfzarr) as a list of them (pynwb)
        return ("list", v.shape, tuple(norm(x, depth + 1) for x in v.reshape(-1)))
    if isinstance(v, (list, tuple)):
        items = [norm(x, depth + 1) for x in v]
        if items and all(isinstance(i, tuple) and i and i[0] == "obj" for i in items):
            return ("objs", tuple(sorted(i[1] for i in items)))
        if items and all(isinstance(i, tuple) and i and i[0] == "row" for i in items):  # records as rows
            width = len(items[0][1])
            if all(len(i[1]) == width for i in items):
                return ("list", (len(items), width), tuple(x for i in items for x in i[1]))
        return ("list", (len(items),), tuple(items))
    if hasattr(v, "__len__") and hasattr(v, "__getitem__"):  # lazily resolved references of either library
        return norm([v[i] for i in range(len(v))], depth + 1)
    return ("other", type(v).__name__, repr(v))


def _numeric_pair(a: Any, b: Any) -> bool:
    """Numbers stored as a scalar on one side and a 1-element array on the other (attributes)."""
    def flat(x: Any) -> Any:
        if isinstance(x, tuple) and x and x[0] == "num":
            return [x[1]]
        if isinstance(x, tuple) and x and x[0] == "arr":
            return np.frombuffer(x[3], dtype=x[1]).tolist()
        if isinstance(x, tuple) and x and x[0] == "list":
            return [y[1] if isinstance(y, tuple) and y and y[0] == "num" else y for y in x[2]]
        return None

    fa, fb = flat(a), flat(b)
    return fa is not None and fb is not None and fa == fb


def same(a: Any, b: Any, strict_dtype: bool = True) -> bool:
    """Whether two normalised values are equal (numeric dtypes exactly unless ``strict_dtype=False``)."""
    if a == b:
        return True
    if isinstance(a, tuple) and isinstance(b, tuple) and a and b and a[0] == b[0] == "arr":
        if a[2] != b[2]:
            return False
        if strict_dtype and a[1] != b[1]:
            return False
        va, vb = np.frombuffer(a[3], dtype=a[1]), np.frombuffer(b[3], dtype=b[1])
        return bool(np.array_equal(va, vb, equal_nan=va.dtype.kind == "f" and vb.dtype.kind == "f"))
    if isinstance(a, tuple) and isinstance(b, tuple) and a and b and a[0] == b[0] and a[0] in ("list", "compound"):
        return len(a) == len(b) and a[1] == b[1] and all(same(x, y, strict_dtype) for x, y in zip(a[2], b[2]))
    if b == ("row", (None, None, None)) or a == ("row", (None, None, None)):  # a missing TimeSeriesReference
        other = a if b[0] == "row" and b[1] == (None, None, None) else b
        items = other[1] if other[0] == "row" else other[2] if other[0] == "list" else ()
        if len(items) == 3 and tuple(items[:2]) == (("num", -1), ("num", -1)):
            return True
    if isinstance(a, tuple) and isinstance(b, tuple) and a and b and {a[0], b[0]} == {"row", "list"}:
        ra, rb = (a[1] if a[0] == "row" else a[2]), (b[1] if b[0] == "row" else b[2])
        return len(ra) == len(rb) and all(same(x, y, strict_dtype) for x, y in zip(ra, rb))
    if isinstance(a, tuple) and isinstance(b, tuple) and a and b and a[0] == b[0] == "row":
        return len(a[1]) == len(b[1]) and all(same(x, y, strict_dtype) for x, y in zip(a[1], b[1]))
    return _numeric_pair(a, b)


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) < 160 else s[:157] + "..."


# -- comparison ------------------------------------------------------------------------------
def _peer_type(c: Any) -> str:
    return getattr(c, "neurodata_type", None) or getattr(c, "data_type", None) or type(c).__name__


def compare(
    ours: Any,
    theirs: Any,
    our_type_map: Any,
    their_manager: Any,
    strict_dtype: bool = True,
    tables: bool = True,
) -> Report:
    """Compare hdmfzarr's container tree ``ours`` with the peer's ``theirs`` (see the module doc)."""
    report = Report()
    our_by_id = {c.object_id: c for c in ours.all_children()}
    their_all = list(theirs.all_children())
    for tc in their_all:
        oid = tc.object_id
        where = f"{_peer_type(tc)} {getattr(tc, 'name', '?')!r} ({oid[:8]})"
        oc = our_by_id.get(oid)
        if oc is None:
            report.diff(f"{where}: not in hdmfzarr's read")
            continue
        report.containers += 1
        if type(oc).data_type != _peer_type(tc):
            report.diff(f"{where}: type {type(oc).data_type!r} != {_peer_type(tc)!r}")
        if oc.name != tc.name and tc.parent is not None:
            report.diff(f"{where}: name {oc.name!r} != {tc.name!r}")
        tp = getattr(tc.parent, "object_id", None)
        op = getattr(oc.parent, "object_id", None)
        if tp != op:
            report.diff(f"{where}: parent {getattr(oc.parent, 'name', None)!r} != {getattr(tc.parent, 'name', None)!r}")
        tkids = sorted(c.object_id for c in tc.children)
        okids = sorted(c.object_id for c in oc.children)
        if tkids != okids:
            names = {c.object_id: c.name for c in list(tc.children) + list(oc.children)}
            report.diff(f"{where}: children differ: only hdmfzarr {[names[k] for k in set(okids) - set(tkids)]}, "
                        f"only peer {[names[k] for k in set(tkids) - set(okids)]}")
        _compare_fields(oc, tc, where, our_type_map, their_manager, strict_dtype, report)
    extra = set(our_by_id) - {c.object_id for c in their_all}
    for oid in sorted(extra):
        c = our_by_id[oid]
        report.diff(f"{type(c).data_type} {c.name!r} ({oid[:8]}): only in hdmfzarr's read")
    if tables:
        for tc in their_all:
            if hasattr(tc, "to_dataframe") and hasattr(tc, "colnames") and tc.object_id in our_by_id:
                _compare_frames(our_by_id[tc.object_id], tc, report, strict_dtype)
    return report


def _compare_fields(oc: Any, tc: Any, where: str, our_type_map: Any, their_manager: Any,
                    strict_dtype: bool, report: Report) -> None:
    tmapper = their_manager.type_map.get_map(tc)
    omapper = our_type_map.get_mapper(oc)
    ofields: dict[str, list[Any]] = {}
    for key, ospec in _spec_fields(omapper.spec):
        ofields.setdefault(key, []).append(ospec)
    peer: dict[str, list[Any]] = {}
    for key, tspec in _spec_fields(tmapper.spec):
        if getattr(tspec, "value", None) is not None:
            continue  # fixed by the spec (the peer's mapper does not report those)
        try:
            peer.setdefault(key, []).append(tmapper.get_attr_value(tspec, tc, their_manager))
        except Exception as exc:  # noqa: BLE001 - the peer cannot report this field
            report.not_comparable.append(f"{where}.{key}: {type(exc).__name__}")
    named_ids = _named_ids(peer) | _named_ids({k: [omapper.get_value(oc, sp) for sp in v] for k, v in ofields.items()})
    for key, tvalues in peer.items():
        tv = _merge(tvalues)
        owner, _, attr = key.rpartition("@")
        if attr and owner and owner in peer and _merge(peer[owner]) is None and owner in ofields and _merge(
                [omapper.get_value(oc, sp) for sp in ofields[owner]]) is None:
            continue  # attributes of a dataset neither side has (pynwb reports its class defaults for them)
        if attr and owner in peer and _is_container(_merge(peer[owner])):
            tchild = _named(_merge(peer[owner]), owner)  # an attribute a table's spec gives its named column
            if attr in {a.name for a in their_manager.type_map.get_map(tchild).spec.attributes}:
                continue  # declared by the column's own type: compared on the column itself
            tv = _peer_builder_attr(their_manager, tchild, attr)
        ospecs = ofields.get(key)
        if ospecs is None:
            if tv is not None and not _is_column_field(tv):
                report.diff(f"{where}.{key}: hdmfzarr has no such field (peer: {_short(norm(tv))})")
            continue
        ov = _merge([omapper.get_value(oc, sp) for sp in ospecs])
        if attr and owner in ofields:
            holder = _named(_merge([omapper.get_value(oc, sp) for sp in ofields[owner]]), owner)
            if _is_container(holder):  # an attribute of a typed child: stored on that object
                ov = _attr_of(holder, attr)
        if key.endswith("<typed>"):  # a group's unnamed contents, minus its named children (pynwb's
            tv, ov = _unnamed_only(tv, named_ids), _unnamed_only(ov, named_ids)  # intervals has all)
        tn, on = norm(tv), norm(ov)
        report.fields += 1
        if not same(on, tn, strict_dtype):
            report.diff(f"{where}.{key}: hdmfzarr {_short(on)} != peer {_short(tn)}")


def _named(obj: Any, key: str) -> Any:
    """The object named as the key's last part: hdmf reports a ragged column's index for the column."""
    name = key.rpartition("/")[2]
    seen = 0
    while _is_container(obj) and obj.name != name and getattr(obj, "target", None) is not None and seen < 4:
        obj, seen = obj.target, seen + 1
    return obj


def _peer_builder_attr(manager: Any, container: Any, attr: str) -> Any:
    """The attribute as the peer read it from the store (its builder), e.g. spike_times@resolution."""
    try:
        builder = manager.get_builder(container)
    except Exception:  # noqa: BLE001
        return None
    return None if builder is None else builder.attributes.get(attr)


def _attr_of(obj: Any, attr: str) -> Any:
    extra = getattr(obj, "extra_attributes", None)
    if isinstance(extra, dict) and attr in extra:
        return extra[attr]
    return getattr(obj, attr, None)


def _named_ids(values: dict[str, list[Any]]) -> set[str]:
    return {v.object_id for k, vs in values.items() if not k.endswith("<typed>") for v in vs if _is_container(v)}


def _unnamed_only(value: Any, named: set[str]) -> Any:
    if value is None or _is_container(value):
        return None if value is not None and value.object_id in named else value
    items = list(value.values()) if isinstance(value, dict) else list(value)
    items = [v for v in items if not (_is_container(v) and v.object_id in named)]
    return items or None


def _is_column_field(v: Any) -> bool:
    """Named table columns: hdmfzarr keeps them in ``columns`` (compared as containers themselves)."""
    return _is_container(v) and type(v).__name__ in {"VectorData", "VectorIndex", "DynamicTableRegion",
                                                     "ElementIdentifiers", "TimeSeriesReferenceVectorData",
                                                     "EnumData"} or (_is_container(v) and hasattr(v, "target"))


def _cell(v: Any) -> Any:
    if type(v).__name__ == "DataFrame":
        return ("df", tuple(int(i) for i in v.index))
    return norm(v)


def _compare_frames(oc: Any, tc: Any, report: Report, strict_dtype: bool) -> None:
    where = f"{_peer_type(tc)} {tc.name!r} to_dataframe()"
    try:
        tdf = tc.to_dataframe()
    except Exception as exc:  # noqa: BLE001
        report.not_comparable.append(f"{where}: peer raised {type(exc).__name__}")
        return
    try:
        odf = oc.to_dataframe()
    except Exception as exc:  # noqa: BLE001
        report.diff(f"{where}: hdmfzarr raised {type(exc).__name__}: {exc}")
        return
    if list(odf.columns) != list(tdf.columns):
        report.diff(f"{where}: columns {list(odf.columns)} != {list(tdf.columns)}")
        return
    if [int(i) for i in odf.index] != [int(i) for i in tdf.index]:
        report.diff(f"{where}: index {list(odf.index)} != {list(tdf.index)}")
        return
    for col in tdf.columns:
        for i in range(len(tdf)):
            a, b = _cell(odf[col].iloc[i]), _cell(tdf[col].iloc[i])
            report.cells += 1
            if not same(a, b, strict_dtype=False):
                report.diff(f"{where}[{col!r}][{i}]: hdmfzarr {_short(a)} != peer {_short(b)}")


def assert_equal_reads(ours: Any, theirs: Any, our_type_map: Any, their_manager: Any, what: str = "",
                       strict_dtype: bool = True) -> Report:
    """:func:`compare`, failing with every difference listed; the report for further assertions."""
    report = compare(ours, theirs, our_type_map, their_manager, strict_dtype=strict_dtype)
    assert not report.differences, (
        f"{what}: hdmfzarr's read differs from the peer's in {len(report.differences)} place(s):\n  "
        + "\n  ".join(report.differences[:60])
    )
    assert report.containers > 0 and report.fields > 0, f"{what}: nothing was compared ({report})"
    return report
