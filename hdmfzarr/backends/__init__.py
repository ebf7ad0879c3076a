"""Storage backends. ``hdmfzarr.backends.zarr`` is the Zarr one (and the only code importing zarr)."""
