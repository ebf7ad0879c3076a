"""Optional progress bars (tqdm) for long writes, appends and conversions: shown in interactive use only.

Shown when tqdm is installed and stderr is a terminal or a Jupyter kernel runs the code;
``HDMFZARR_PROGRESS=1``/``0`` forces them on/off. Otherwise every call gives a silent bar.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

__all__ = ["progress_bar", "progress_enabled", "in_notebook", "SilentBar"]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class SilentBar:
    """The do-nothing stand-in for a tqdm bar (``update``, ``set_postfix_str``, ``close``, context manager)."""

    total: int | None = None
    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> SilentBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def in_notebook() -> bool:
    """True inside a Jupyter (IPython) kernel."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def progress_enabled(show: bool | None = None) -> bool:
    """Whether to show a bar: ``show`` if given, else ``HDMFZARR_PROGRESS``, else interactive use."""
    if show is not None:
        return bool(show)
    env = os.environ.get("HDMFZARR_PROGRESS", "").strip().lower()
    if env in _TRUE:
        return True
    if env in _FALSE:
        return False
    if in_notebook():
        return True
    stream = sys.stderr
    try:
        return bool(stream is not None and stream.isatty())
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
