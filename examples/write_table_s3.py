"""Write a DynamicTable straight to S3 (or any S3-compatible server), then read it back lazily.

Where and as whom come from the command line or the environment:

    --url       HDMFZARR_S3_URL        s3://bucket/path/units.zarr   (the bucket is created if missing)
    --endpoint  HDMFZARR_S3_ENDPOINT   e.g. http://127.0.0.1:8333 for a local server (omit for AWS)
    --key       AWS_ACCESS_KEY_ID
    --secret    AWS_SECRET_ACCESS_KEY
    --region    AWS_DEFAULT_REGION     (default us-east-1)

Run:  python examples/write_table_s3.py --url s3://my-bucket/units.zarr --endpoint http://127.0.0.1:8333
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

import hdmfzarr

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quickstart import make_table  # noqa: E402  (the same made-up units table as the quickstart)


def storage_options(endpoint: str | None, key: str | None, secret: str | None, region: str) -> dict[str, Any]:
    """s3fs options: credentials (anonymous when none) and the endpoint of a non-AWS server."""
    options: dict[str, Any] = {"key": key, "secret": secret} if key else {"anon": True}
    client: dict[str, Any] = {"region_name": region}
    if endpoint:
        client["endpoint_url"] = endpoint
    options["client_kwargs"] = client
    return options


def ensure_bucket(url: str, options: dict[str, Any]) -> None:
    """Create the URL's bucket when it does not exist yet."""
    import s3fs

    bucket = url.split("://", 1)[1].split("/", 1)[0]
    fs = s3fs.S3FileSystem(**options)
    if not fs.exists(bucket):
        fs.mkdir(bucket)


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=env("HDMFZARR_S3_URL"), help="s3://bucket/path.zarr")
    parser.add_argument("--endpoint", default=env("HDMFZARR_S3_ENDPOINT"))
    parser.add_argument("--key", default=env("AWS_ACCESS_KEY_ID"))
    parser.add_argument("--secret", default=env("AWS_SECRET_ACCESS_KEY"))
    parser.add_argument("--region", default=env("AWS_DEFAULT_REGION", "us-east-1"))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--zarr-format", type=int, choices=(2, 3), default=3)
    args = parser.parse_args(argv)
    if not args.url or not args.url.startswith("s3://"):
        parser.error("give --url s3://bucket/path.zarr (or set HDMFZARR_S3_URL)")

    options = storage_options(args.endpoint, args.key, args.secret, args.region)
    ensure_bucket(args.url, options)
    table = make_table(args.rows)
    with hdmfzarr.ZarrIO(args.url, mode="w", storage_options=options, zarr_format=args.zarr_format) as io:
        io.write(table)
    print(f"wrote {len(table)} rows to {args.url}")

    with hdmfzarr.ZarrIO(args.url, mode="r", storage_options=options) as io:
        units = io.read()  # one request for the metadata; columns are fetched chunk by chunk on use
        print(f"read back {len(units)} rows, columns {list(units.colnames)}")
        print(f"row 42 spike times: {np.asarray(units['spike_times'][42]).tolist()}")
        assert np.array_equal(units["firing_rate"][:100], table["firing_rate"][:100])
    return 0


if __name__ == "__main__":
    sys.exit(main())
