"""HDF5 input (read-only): hdmf/pynwb ``.h5``/``.nwb`` files as builder trees. Needs the h5py extra."""

from .reader import H5Array, HDF5Reader, is_hdf5_path

__all__ = ["HDF5Reader", "H5Array", "is_hdf5_path"]
