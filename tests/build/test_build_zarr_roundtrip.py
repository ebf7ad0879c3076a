"""End to end through a real store: the extension tree written by ZarrIO and read back with the default
TypeMap (classes generated from the cached spec), references resolving lazily."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hdmfzarr.build.lazyrefs import CompoundReferenceArray, ReferenceArray


@pytest.mark.parametrize("fmt", [3, 2])
def test_extension_through_zarr(ext_map, make_session, tmp_path, fmt, assert_same):
    from hdmfzarr import ZarrIO

    session = make_session()
    path = tmp_path / f"session{fmt}.zarr"
    with ZarrIO(str(path), mode="w", zarr_format=fmt, type_map=ext_map) as io:
        io.write(session)
    with ZarrIO(str(path), mode="r") as io:  # the default map: it learns 'ndx-test' from the store
        back = io.read()
        assert type(back).__name__ == "Session" and type(back).namespace == "ndx-test"
        assert back.when == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
        assert back.ok == True  # noqa: E712
        assert int(back.count) == 7 and back.notes == "hello" and back.notes__author == "me"
        by_name = {s.name: s for s in back.samples.values()}
        assert isinstance(back.refs.data, ReferenceArray)
        assert back.refs.data[0] is by_name["s2"]
        assert [r.name for r in back.refs.data] == ["s2", "s1", "s2"]
        assert isinstance(back.events.data, CompoundReferenceArray)
        t, label, sample = back.events.data[1]
        assert (float(t), label, sample) == (0.2, "stop", by_name["s2"])
        assert back.primary is by_name["s2"] and back.best is by_name["s1"]
        assert np.array_equal(back.trials["start_time"][:], [0.5, 1.5])
        assert back.trials.colnames == ("start_time",)
        assert by_name["s2"].unit == "mV" and by_name["s1"].rate == 10.0
        assert back.modified is False
        assert_same(session, back, root_name=False)


def test_read_tree_written_again(ext_map, make_session, tmp_path, assert_same):
    """A tree read from one store (lazy arrays, lazy references) is written to a second store."""
    from hdmfzarr import ZarrIO

    session = make_session()
    first, second = str(tmp_path / "first.zarr"), str(tmp_path / "second.zarr")
    with ZarrIO(first, mode="w", type_map=ext_map) as io:
        io.write(session)
    with ZarrIO(first, mode="r", type_map=ext_map) as io:
        back = io.read()
        with ZarrIO(second, mode="w", type_map=ext_map) as out:
            out.write(back)
    # the Sample datasets read from the first store are written as links to it (a sibling store: allowed here)
    with ZarrIO(second, mode="r", type_map=ext_map, allow_external=[str(tmp_path)]) as io:
        again = io.read()
        assert_same(session, again, root_name=False)
        assert again.refs.data[2] is {s.name: s for s in again.samples.values()}["s2"]
