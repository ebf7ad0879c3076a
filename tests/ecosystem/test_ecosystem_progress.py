"""Progress bars: tqdm on long writes in interactive use (TTY or notebook), silent otherwise."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
import pytest

import hdmfzarr.backends.zarr.writer as writer_module
from hdmfzarr import ZarrIO, progress
from hdmfzarr.common import DynamicTable


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _table() -> DynamicTable:
    table = DynamicTable(name="t", description="d")
    table.add_column("x", "floats", data=np.arange(10.0))
    table.add_column("r", "ragged", data=[[1.0]] * 10, index=True)
    return table  # 4 datasets: id, x, r, r_index


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list:
    """The bars the writer makes, shown at once (no delay) so that short test writes show them."""
    made: list = []
    original = progress.progress_bar

    def immediate(*args, **kwargs):
        bar = original(*args, **{**kwargs, "delay": 0})
        made.append(bar)
        return bar

    monkeypatch.setattr(writer_module, "progress_bar", immediate)
    return made


def test_ecosystem_progress_env_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDMFZARR_PROGRESS", "1")
    assert progress.progress_enabled() is True
    monkeypatch.setenv("HDMFZARR_PROGRESS", "off")
    monkeypatch.setattr("sys.stderr", _Tty())
    assert progress.progress_enabled() is False
    assert progress.progress_enabled(show=True) is True


def test_ecosystem_progress_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HDMFZARR_PROGRESS", raising=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress.progress_enabled() is False
    assert isinstance(progress.progress_bar(10, "x"), progress.SilentBar)
    monkeypatch.setattr("sys.stderr", _Tty())
    assert progress.progress_enabled() is True
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    assert progress.progress_enabled() is True


def test_ecosystem_progress_write_shows_a_bar_on_a_terminal(tmp_path: Path, monkeypatch, bars) -> None:
    monkeypatch.delenv("HDMFZARR_PROGRESS", raising=False)
    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    with ZarrIO(tmp_path / "a.zarr", "w") as io_:
        io_.write(_table())
    assert len(bars) == 1 and not isinstance(bars[0], progress.SilentBar)
    assert bars[0].n == bars[0].total == 4
    assert "writing a.zarr" in tty.getvalue() and "dataset" in tty.getvalue()


def test_ecosystem_progress_write_is_silent_when_piped(tmp_path: Path, monkeypatch, bars, capfd) -> None:
    monkeypatch.delenv("HDMFZARR_PROGRESS", raising=False)
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    with ZarrIO(tmp_path / "b.zarr", "w") as io_:
        io_.write(_table())
    assert len(bars) == 1 and isinstance(bars[0], progress.SilentBar) and bars[0].n == 4
    assert pipe.getvalue() == "" and capfd.readouterr().err == ""


def test_ecosystem_progress_bar_is_delayed_for_quick_work(monkeypatch) -> None:
    monkeypatch.setenv("HDMFZARR_PROGRESS", "1")
    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    with progress.progress_bar(3, "quick", delay=30) as bar:
        bar.update(3)
    assert tty.getvalue() == ""  # done before the delay: nothing printed
    with functools.partial(progress.progress_bar, delay=0)(3, "shown") as bar:
        bar.update(3)
    assert "shown" in tty.getvalue()


def test_ecosystem_progress_dask_write_ticks_per_task(tmp_path: Path, monkeypatch) -> None:
    da = pytest.importorskip("dask.array")
    import hdmfzarr.backends.zarr.daskio as daskio

    made: list = []
    original = progress.progress_bar

    def immediate(*args, **kwargs):
        bar = original(*args, **{**kwargs, "delay": 0})
        made.append(bar)
        return bar

    monkeypatch.setattr(daskio, "progress_bar", immediate)
    monkeypatch.setenv("HDMFZARR_PROGRESS", "1")
    monkeypatch.setattr("sys.stderr", _Tty())
    table = DynamicTable(name="t", description="d")
    table.add_column("x", "from dask", data=da.arange(2_000_000, chunks=250_000, dtype=np.float64))
    with ZarrIO(tmp_path / "d.zarr", "w") as io_:
        io_.write(table)
    bar = made[0]
    assert not isinstance(bar, progress.SilentBar) and bar.total >= 8 and bar.n == bar.total
