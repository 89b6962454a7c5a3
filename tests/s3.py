"""A real S3 API for the tests: moto's server over HTTP, and the default storage on a
bucket in it as ``config.settings.s3_storage`` makes it (SATCHEL_S3_BUCKET).

Loaded for every test by ``pytest_plugins`` in tests/conftest.py.
"""

import socket

import boto3
import pytest

from config.settings import s3_storage

BUCKET = "satchel-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, settings, monkeypatch):
    """An empty bucket, and the default storage on it as the settings make it."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "satchel",
        "AWS_SECRET_ACCESS_KEY": "satchel-secret",
        "SATCHEL_S3_ENDPOINT_URL": s3_server,
        "SATCHEL_S3_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(BUCKET)}
    yield client
    for key in keys(client):
        client.delete_object(Bucket=BUCKET, Key=key)
    client.delete_bucket(Bucket=BUCKET)


def keys(client, prefix: str = "") -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix
    )
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
