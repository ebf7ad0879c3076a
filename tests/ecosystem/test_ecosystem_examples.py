"""Every example runs: the scripts in a subprocess, the notebook top to bottom in a Jupyter kernel (local S3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))
S3_SCRIPTS = {"write_table_s3.py"}


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env["HDMFZARR_PROGRESS"] = "0"
    return env


def _run(script: str, cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _s3_env(server, bucket: str, name: str) -> dict[str, str]:
    return _env(HDMFZARR_S3_URL=server.url(bucket, name), HDMFZARR_S3_ENDPOINT=server.endpoint_url,
                AWS_ACCESS_KEY_ID=server.access_key, AWS_SECRET_ACCESS_KEY=server.secret_key,
                AWS_DEFAULT_REGION=server.region)


def test_ecosystem_examples_are_all_covered() -> None:
    assert {"quickstart.py", "write_table_s3.py", "acquisition_loop.py", "extension_type.py",
            "from_hdmf_zarr.py"} <= set(SCRIPTS)
    assert (EXAMPLES / "lazy_remote_reading.ipynb").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s not in S3_SCRIPTS])
def test_ecosystem_example_script_runs(script: str, tmp_path: Path) -> None:
    out = _run(script, tmp_path, _env())
    assert out.strip(), f"{script} printed nothing"


@pytest.mark.slow
def test_ecosystem_example_acquisition_loop_appends(tmp_path: Path) -> None:
    out = _run("acquisition_loop.py", tmp_path, _env(), "events.zarr", "3")
    assert "batch 2: 2002 -> 3003 rows" in out and "3003 events stored" in out


@pytest.mark.slow
@pytest.mark.s3
def test_ecosystem_example_write_table_s3(s3_server, tmp_path: Path) -> None:
    bucket = f"example-{os.getpid()}-new"  # the script creates the bucket
    out = _run("write_table_s3.py", tmp_path, _s3_env(s3_server, bucket, "units.zarr"), "--rows", "500")
    assert f"wrote 500 rows to s3://{bucket}/units.zarr" in out and "read back 500 rows" in out
    assert s3_server.filesystem().exists(f"{bucket}/units.zarr/zarr.json")


@pytest.mark.s3
@pytest.mark.slow
def test_ecosystem_example_notebook_executes(s3_server, s3_bucket, tmp_path: Path, monkeypatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    env = _s3_env(s3_server, s3_bucket, "units.zarr")
    _run("write_table_s3.py", tmp_path, env, "--rows", "2000")
    for key in ("PYTHONPATH", "HDMFZARR_S3_URL", "HDMFZARR_S3_ENDPOINT", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "HDMFZARR_PROGRESS"):
        monkeypatch.setenv(key, env[key])  # the kernel inherits this process's environment
    nb = nbformat.read(EXAMPLES / "lazy_remote_reading.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    table_view = next(o for o in code[1].outputs if o.output_type == "execute_result")
    html = table_view["data"]["text/html"]
    assert "2000 rows" in html and "<details" in html and "spike_times" in html
    frame_view = code[-2].outputs[-1]["data"]
    assert "firing_rate" in frame_view["text/plain"]


@pytest.mark.slow
def test_ecosystem_example_from_hdmf_zarr_is_hdmf_zarr_code_with_other_imports(tmp_path: Path) -> None:
    """The example's body runs unchanged on hdmf + hdmf-zarr when its imports are put back (the lines marked
    "was:"), and prints the same: only the imports differ."""
    pytest.importorskip("hdmf_zarr")
    ours = _run("from_hdmf_zarr.py", tmp_path, _env(), str(tmp_path / "ours"))
    source = (EXAMPLES / "from_hdmf_zarr.py").read_text(encoding="utf-8")
    theirs_src = source.replace("from hdmfzarr import ZarrIO  # was: from hdmf_zarr import ZarrIO",
                                "from hdmf_zarr import ZarrIO").replace(
        "from hdmfzarr.common import (  # was: from hdmf.common import (", "from hdmf.common import (")
    imports = [line for line in theirs_src.splitlines() if line.startswith(("import", "from"))]
    assert not [line for line in imports if "hdmfzarr" in line], "every hdmfzarr import is marked with what it was"
    script = tmp_path / "theirs.py"
    script.write_text(theirs_src, encoding="utf-8")
    done = subprocess.run([sys.executable, "-W", "ignore", str(script), str(tmp_path / "theirs")],
                          capture_output=True, text=True, timeout=300, env=_env())
    assert done.returncode == 0, done.stderr
    assert ours.splitlines() == done.stdout.splitlines()
