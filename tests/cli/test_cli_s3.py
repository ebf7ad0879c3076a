"""The command line against a real S3 server (SeaweedFS from tests/conftest.py): remote URLs
with ``--storage-option``, convert into and out of a bucket, tree and validate."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.cli import main

_helpers_path = Path(__file__).parent.parent / "validate" / "validate_helpers.py"
_spec = importlib.util.spec_from_file_location("validate_helpers", _helpers_path)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

pytestmark = pytest.mark.s3


def _options(server, key=None, secret=None) -> list[str]:
    return ["--storage-option", f"key={key or server.access_key}",
            "--storage-option", f"secret={secret or server.secret_key}",
            "--storage-option", f"client_kwargs.endpoint_url={server.endpoint_url}",
            "--storage-option", f"client_kwargs.region_name={server.region}"]


@pytest.mark.slow
def test_convert_tree_validate_on_s3(s3_server, s3_bucket, tmp_path, capsys):
    local = tmp_path / "local.zarr"
    with ZarrIO(local, mode="w") as io:
        io.write(helpers.hdmfzarr_tables())
    url = s3_server.url(s3_bucket, "converted.zarr")
    assert main(["convert", str(local), url, "--zarr-format", "2", *_options(s3_server)]) == 0
    capsys.readouterr()
    assert main(["tree", url, *_options(s3_server)]) == 0
    out = capsys.readouterr().out
    age = next(line for line in out.splitlines() if line.strip().startswith("age "))
    assert "<VectorData (hdmf-common)>  int64  shape [3]  chunks [3]  stored " in age
    assert int(age.split("stored ")[1].split()[0]) > 0
    assert main(["validate", url, *_options(s3_server)]) == 0
    back = tmp_path / "back.zarr"
    assert main(["convert", url, str(back), *_options(s3_server)]) == 0  # v2 on S3 -> v3 locally
    assert (back / "zarr.json").exists()


def test_wrong_credentials_one_line_error(s3_server, s3_bucket, capsys):
    url = s3_server.url(s3_bucket, "nothing.zarr")
    code = main(["validate", url, *_options(s3_server, key="wrong", secret="wrong")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
