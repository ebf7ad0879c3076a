"""Tables on a real S3 server (SeaweedFS on loopback, through s3fs): the same API as local paths,
credentials from options, environment variables or config files, anonymous reads, appends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, StoreAuthError, ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import StoreError, StoreExistsError, StoreNotFoundError

pytestmark = pytest.mark.s3

ROOT = Path(__file__).resolve().parents[2]


def _lazy_leaf(column) -> LazyArray:
    data = column.data
    return getattr(data, "stored", data)


@pytest.mark.parametrize("fmt", [3, 2])
def test_s3_table_roundtrip_is_lazy_and_equal_to_local(s3_server, s3_bucket, make_table, tmp_path, fmt) -> None:
    table = make_table(500)
    url = s3_server.url(s3_bucket, "trials.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options, zarr_format=fmt) as io:
        io.write(table)
    local = tmp_path / "trials.zarr"
    with ZarrIO(local, "w", zarr_format=fmt) as io:
        io.write(make_table(500))

    with ZarrIO(url, "r", storage_options=s3_server.storage_options) as remote, ZarrIO(local) as here:
        assert remote.handle.root_format() == fmt
        rt, lt = remote.read(), here.read()
        assert isinstance(rt, DynamicTable) and rt.colnames == lt.colnames == ("start", "label", "spikes")
        assert isinstance(_lazy_leaf(rt["start"]), LazyArray)
        assert np.array_equal(np.asarray(rt["start"].data), np.asarray(table["start"].data))
        assert rt[123, "label"] == lt[123, "label"] == "L4"
        assert np.array_equal(rt[499, "spikes"], table[499, "spikes"]) and len(rt[499, "spikes"]) == 4
        rdf, ldf = rt.to_dataframe(), lt.to_dataframe()
        assert rdf[["start", "label"]].equals(ldf[["start", "label"]])
        assert all(np.array_equal(a, b) for a, b in zip(rdf["spikes"], ldf["spikes"]))


def test_s3_modes_match_local_semantics(s3_server, s3_bucket, make_table) -> None:
    opts = s3_server.storage_options
    url = s3_server.url(s3_bucket, "modes.zarr")
    with pytest.raises(StoreNotFoundError, match="no zarr store"):
        ZarrIO(url, "r", storage_options=opts)
    with pytest.raises(StoreNotFoundError):
        ZarrIO(url, "r+", storage_options=opts)
    with ZarrIO(url, "w-", storage_options=opts) as io:
        io.write(make_table(10))
    with pytest.raises(StoreExistsError, match="w-"):
        ZarrIO(url, "w-", storage_options=opts)
    with ZarrIO(url, "w", storage_options=opts) as io:  # overwrite: old objects are gone
        io.write(make_table(3, ragged=False))
    fs = s3_server.filesystem()
    assert not fs.exists(f"{s3_bucket}/modes.zarr/spikes/zarr.json")
    with ZarrIO(url, "r", storage_options=opts) as io:
        t = io.read()
        assert len(t) == 3 and t.colnames == ("start", "label")
        with pytest.raises(StoreError, match="read-only"):
            io.write(make_table(1))


def test_s3_append_rows(s3_server, s3_bucket, make_table) -> None:
    if not hasattr(ZarrIO, "flush_appends"):
        pytest.skip("appending to stored tables has not landed")
    opts = s3_server.storage_options
    url = s3_server.url(s3_bucket, "grow.zarr")
    with ZarrIO(url, "w", storage_options=opts) as io:
        io.write(make_table(20))
    with ZarrIO(url, "a", storage_options=opts) as io:
        t = io.read()
        t.add_row(start=1.5, label="new", spikes=np.array([1.0, 2.0], dtype=np.float32))
        io.write(t)
    with ZarrIO(url, "r", storage_options=opts) as io:
        t = io.read()
        assert len(t) == 21
        assert t[20, "label"] == "new" and t[20, "start"] == 1.5
        assert t[20, "spikes"].tolist() == [1.0, 2.0]
        assert t[19, "label"] == "L5"


_ENV_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from hdmfzarr.backends.zarr import ZarrIO
    from hdmfzarr.common import DynamicTable

    url = sys.argv[1]
    t = DynamicTable(name="t", description="from env credentials")
    t.add_column("x", "x", dtype="int64")
    t.extend({"x": np.arange(5)})
    with ZarrIO(url, "w") as io:          # no storage_options: botocore finds the credentials
        io.write(t)
    with ZarrIO(url, "r") as io:
        print(json.dumps({"x": np.asarray(io.read()["x"].data).tolist(), "repr": repr(io)}))
    """
)


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "HOME": str(tmp_path),  # no real ~/.aws
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "PYTHONPATH": str(ROOT),
    })
    return env


def _run_env_script(env: dict[str, str], url: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _ENV_SCRIPT, url], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_s3_credentials_from_environment_variables(s3_server, s3_bucket, tmp_path) -> None:
    env = _clean_env(tmp_path)
    env.update({
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "AWS_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_DEFAULT_REGION": s3_server.region,
    })
    url = s3_server.url(s3_bucket, "env.zarr")
    out = _run_env_script(env, url)
    assert out["x"] == [0, 1, 2, 3, 4]
    assert s3_server.secret_key not in out["repr"] and url in out["repr"]
    assert s3_server.filesystem().exists(f"{s3_bucket}/env.zarr/zarr.json")

    env["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"  # the same script fails cleanly with a wrong secret
    proc = subprocess.run([sys.executable, "-c", _ENV_SCRIPT, url], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0 and "StoreAuthError" in proc.stderr and url in proc.stderr
    assert "not-the-secret" not in proc.stderr


@pytest.mark.slow
def test_s3_credentials_from_config_files(s3_server, s3_bucket, tmp_path) -> None:
    env = _clean_env(tmp_path)
    (tmp_path / "credentials").write_text(
        f"[lab]\naws_access_key_id = {s3_server.access_key}\naws_secret_access_key = {s3_server.secret_key}\n"
    )
    (tmp_path / "config").write_text(
        f"[profile lab]\nregion = {s3_server.region}\nendpoint_url = {s3_server.endpoint_url}\n"
    )
    env.update({
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_PROFILE": "lab",
    })
    out = _run_env_script(env, s3_server.url(s3_bucket, "profile.zarr"))
    assert out["x"] == [0, 1, 2, 3, 4]


def test_s3_anonymous_read_of_public_bucket(s3_server, public_bucket, make_table) -> None:
    url = s3_server.url(public_bucket, "open-data.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(make_table(100))
    anon = {"anon": True, "client_kwargs": {"endpoint_url": s3_server.endpoint_url}}
    with ZarrIO(url, "r", storage_options=anon) as io:
        t = io.read()
        assert len(t) == 100 and t[42, "label"] == "L0"
        assert np.asarray(t["start"].data).shape == (100,)
    with pytest.raises(StoreAuthError, match=public_bucket):  # public means readable, not writable
        with ZarrIO(s3_server.url(public_bucket, "vandal.zarr"), "w", storage_options=anon) as io:
            io.write(make_table(1))


def test_s3_anonymous_read_of_private_bucket_is_refused(s3_server, s3_bucket, make_table) -> None:
    url = s3_server.url(s3_bucket, "private.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(make_table(5))
    anon = {"anon": True, "client_kwargs": {"endpoint_url": s3_server.endpoint_url}}
    with pytest.raises(StoreAuthError, match="access denied") as info:
        ZarrIO(url, "r", storage_options=anon)
    assert url in str(info.value)
