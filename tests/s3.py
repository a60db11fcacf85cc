"""S3 test fixtures: a real moto S3 server in a subprocess, and the evidence store on it.

Tests import the fixtures explicitly::

    from tests.s3 import moto_server, s3_storage  # noqa: F401

`moto_server` (session) starts ``python -m moto.server`` over HTTP on a free local port and
yields its endpoint URL. If the server cannot start, the tests that need it are skipped, except
under CI (``CI=true``) where that is a failure: CI must not silently lose the S3 coverage.

`s3_storage` (function) creates a fresh bucket for the test and points
``STORAGES["default"]`` at it with the same django-storages options as production
(audit_prep/settings.py, STORAGE_BACKEND == "s3").
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

MOTO_START_TIMEOUT = 20.0  # seconds, for all attempts together
MOTO_START_ATTEMPTS = 3  # a new port each time, if the process dies early
MOTO_HOST = "127.0.0.1"
S3_REGION = "eu-west-3"
S3_ACCESS_KEY = "testing"
S3_SECRET_KEY = "testing"  # moto's fake credentials


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((MOTO_HOST, 0))
        return sock.getsockname()[1]


def _answers(endpoint: str) -> bool:
    # The unsigned ListBuckets of a moto server answers 200 once Flask is serving.
    try:
        with urllib.request.urlopen(endpoint + "/", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _log_tail(log_path: str, limit: int = 2000) -> str:
    try:
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-limit:]
    except OSError:
        return ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _start_moto() -> tuple[subprocess.Popen | None, str, str, str]:
    """Start moto's server; returns (process, endpoint, log path, error). Retries on another
    port when the process dies early (e.g. the free port was taken in between), within
    MOTO_START_TIMEOUT overall."""
    deadline = time.monotonic() + MOTO_START_TIMEOUT
    error = "not started"
    for _attempt in range(MOTO_START_ATTEMPTS):
        if time.monotonic() >= deadline:
            break
        port = _free_port()
        endpoint = f"http://{MOTO_HOST}:{port}"
        fd, log_path = tempfile.mkstemp(prefix="moto-server-", suffix=".log")
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", MOTO_HOST, "-p", str(port)],
                stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except OSError as exc:
            os.unlink(log_path)
            return None, "", "", f"cannot run {sys.executable} -m moto.server: {exc}"
        finally:
            os.close(fd)  # the child has its own copy
        while time.monotonic() < deadline:
            if process.poll() is not None:
                error = (f"moto.server exited with code {process.returncode}:\n"
                         f"{_log_tail(log_path)}")
                break
            if _answers(endpoint):
                return process, endpoint, log_path, ""
            time.sleep(0.1)
        else:
            _stop(process)
            error = (f"moto.server did not answer on {endpoint} within "
                     f"{MOTO_START_TIMEOUT:.0f} s:\n{_log_tail(log_path)}")
        os.unlink(log_path)
    return None, "", "", error


@pytest.fixture(scope="session")
def moto_server():
    """The endpoint URL of a moto S3 server running in a subprocess for the whole session."""
    process, endpoint, log_path, error = _start_moto()
    if process is None:
        message = f"moto S3 server unavailable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield endpoint
    finally:
        _stop(process)
        with contextlib.suppress(OSError):
            os.unlink(log_path)


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def s3_storage_settings(endpoint: str, bucket: str, **overrides) -> dict:
    """STORAGES["default"] as production builds it for STORAGE_BACKEND=s3."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": S3_REGION,
        "access_key": S3_ACCESS_KEY,
        "secret_key": S3_SECRET_KEY,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": True,
        "location": "",
        **overrides,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


@dataclass
class S3Bucket:
    """The test's bucket: its name, the endpoint and a boto3 client to look inside."""

    name: str
    endpoint: str
    client: Any

    def keys(self, prefix: str = "") -> list[str]:
        keys = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)


@pytest.fixture
def s3_storage(moto_server, settings):
    """A fresh bucket on the moto server, used as the evidence store for this test."""
    client = s3_client(moto_server)
    bucket = f"audit-prep-test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION}
    )
    # Assigning STORAGES fires setting_changed, which resets django.core.files.storage.storages.
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(moto_server, bucket)}
    # Not django-storages' default expiry (3600 s) nor the project's (300 s): a test can tell
    # that presigned URLs use the setting.
    settings.DOWNLOAD_URL_TTL_SECONDS = 120
    yield S3Bucket(name=bucket, endpoint=moto_server, client=client)
    # The bucket lives in the moto process only; each test has its own, nothing to clean up.
