"""Optional tqdm progress bars for long writes, appends and conversions, shown when stderr is a terminal or in
Jupyter (``HDMFZARR_PROGRESS=1``/``0`` forces them on/off); otherwise every call gives a silent bar."""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

__all__ = ["progress_bar", "progress_enabled", "in_notebook", "SilentBar"]

_ENV = {**dict.fromkeys(("1", "true", "yes", "on"), True), **dict.fromkeys(("0", "false", "no", "off"), False)}


class SilentBar:
    """The do-nothing stand-in for a tqdm bar (``update``, ``set_postfix_str``, ``close``, context manager)."""

    total: int | None = None
    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self, *args: Any) -> None:
        """Does nothing (nor do ``set_postfix_str`` and ``__exit__``)."""

    set_postfix_str = __exit__ = close

    def __enter__(self) -> SilentBar:
        return self


def in_notebook() -> bool:
    """True inside a Jupyter (IPython) kernel."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return hasattr(get_ipython(), "kernel")  # get_ipython() is None outside IPython


def progress_enabled(show: bool | None = None) -> bool:
    """Whether to show a bar: ``show`` if given, else ``HDMFZARR_PROGRESS``, else interactive use."""
    if show is not None:
        return bool(show)
    env = os.environ.get("HDMFZARR_PROGRESS", "").strip().lower()
    if env in _ENV:
        return _ENV[env]
    try:
        return in_notebook() or bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def progress_bar(total: int | None, desc: str, unit: str = "it", show: bool | None = None,
                 unit_scale: bool = False, delay: float = 0.5) -> Any:
    """A tqdm bar over ``total`` units if enabled and installed, else a ``SilentBar``; shown after ``delay`` seconds."""
    if not progress_enabled(show):
        return SilentBar()
    try:
        if in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
            from tqdm.notebook import tqdm  # a widget; without ipywidgets the text bar goes to stderr
        else:
            from tqdm import tqdm
    except ImportError:
        return SilentBar()
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=sys.stderr, leave=False,
                delay=delay)
