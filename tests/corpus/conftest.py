"""The interoperability corpus (files written by pynwb / hdmf-zarr 0.14 / hdmf 6.2), generated once per
test session into a temporary directory, each file on first use.

Fixture ``corpus`` (session): a :class:`Corpus` with
- ``path(name, kind)``: the file ``<name>.<kind>`` (``kind`` 'nwb' = NWBHDF5IO, 'zarr' = NWBZarrIO 0.14,
  or hdmf-zarr's ZarrIO for the hdmf-common stores in ``HDMF_STORES``), written on first use;
- ``read_peer(path)`` / ``read_ours(path)``: context managers giving ``(root, type_map_or_manager)``;
- ``assert_equal(ours_path, peer_path)``: "hdmfzarr's read equals the peer's read" (``nwbcompare``).
Other helpers (e.g. the write-back tests) use the same fixture and ``corpus.compare`` module.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).parent


def _load(name: str) -> Any:
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, _HERE / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


make_corpus = _load("make_corpus")
nwbcompare = _load("nwbcompare")


class Corpus:
    """The corpus directory of this session and the readers/comparison used on it."""

    NWB_FILES = make_corpus.NWB_FILES
    HDMF_STORES = make_corpus.HDMF_STORES
    compare = nwbcompare

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str, kind: str = "zarr") -> Path:
        """The corpus file ``name`` written by the peer as ``kind`` ('nwb' or 'zarr')."""
        if name in self.HDMF_STORES:
            assert kind == "zarr", f"{name} exists only as a Zarr store"
            return make_corpus.write_hdmf_store(name, self.root)
        return make_corpus.write_nwb(name, self.root, kind)

    def is_nwb(self, path: Path) -> bool:
        return Path(path).stem not in self.HDMF_STORES

    @contextlib.contextmanager
    def read_peer(self, path: Path | str, nwb: bool | None = None) -> Iterator[tuple[Any, Any]]:
        """``(root, manager)`` as pynwb (NWB files/stores) or hdmf + hdmf-zarr (hdmf-common stores) read it.
        Zarr format-2 stores are read with hdmf-zarr 0.14's format-2 reader."""
        path = Path(path)
        nwb = self.is_nwb(path) if nwb is None else nwb
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if path.suffix == ".nwb":
                from pynwb import NWBHDF5IO

                io: Any = NWBHDF5IO(str(path), "r", load_namespaces=True)
            elif nwb:
                from hdmf_zarr.nwb import NWBZarrIO

                io = NWBZarrIO(str(path), mode="r", load_namespaces=True)
            else:
                from hdmf.common import get_manager
                from hdmf_zarr import ZarrIO

                io = ZarrIO(str(path), mode="r", manager=get_manager())
            with io:
                root = io.read()
                yield root, io.manager

    @contextlib.contextmanager
    def read_ours(self, path: Path | str) -> Iterator[tuple[Any, Any]]:
        """``(root, type_map)`` as hdmfzarr reads the store."""
        from hdmfzarr import ZarrIO

        with ZarrIO(str(path)) as io:
            root = io.read()
            yield root, io.type_map

    def assert_equal(self, ours: Path | str, peer: Path | str | None = None, strict_dtype: bool = True) -> Any:
        """hdmfzarr's read of ``ours`` equals the peer's read of ``peer`` (default: the same file)."""
        peer = ours if peer is None else peer
        with self.read_ours(ours) as (oroot, tmap), self.read_peer(peer) as (troot, manager):
            return nwbcompare.assert_equal_reads(oroot, troot, tmap, manager, what=f"{ours} vs {peer}",
                                                 strict_dtype=strict_dtype)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The session's corpus (files are written on first use, once per test process)."""
    pytest.importorskip("pynwb")
    pytest.importorskip("hdmf_zarr")
    return Corpus(tmp_path_factory.mktemp("corpus"))
