"""Files on S3-compatible storage shared by every node, configured by the environment.

No S3 server runs here: moto answers the S3 protocol in process, at the configured endpoint, so
egov's own store and read go through django-storages and boto3 as in production.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.test import override_settings
from moto import mock_aws

from egov.core.files import read_stored, store_bytes

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = "http://objects.example.gov.vn:9000"
S3_ENV = {
    "STORAGE_S3_BUCKET": "egov-files",
    "STORAGE_S3_ENDPOINT_URL": ENDPOINT,
    "STORAGE_S3_REGION": "ap-southeast-1",
    "STORAGE_S3_ACCESS_KEY": "egov-access",
    "STORAGE_S3_SECRET_KEY": "egov-secret-key",
    "STORAGE_S3_PREFIX": "/hanoi/",
}


def _default_storage_with(env: dict[str, str]) -> dict[str, Any]:
    code = "import json; from django.conf import settings as s; print(json.dumps(s.STORAGES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "egov.config.settings",
            "DEBUG": "1",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_local_folder_stays_the_default() -> None:
    storage = _default_storage_with({})
    assert storage == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_s3_bucket_in_the_environment_gives_the_s3_backend(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _default_storage_with(S3_ENV)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "egov-files"
    assert options["endpoint_url"] == ENDPOINT
    assert options["addressing_style"] == "path"
    assert options["location"] == "hanoi"
    assert options["default_acl"] is None  # objects stay private

    # egov stores and reads a file through that configuration, over the S3 protocol.
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", ENDPOINT)
    with mock_aws():
        s3 = boto3.client(
            "s3",
            endpoint_url=ENDPOINT,
            region_name="ap-southeast-1",
            aws_access_key_id="egov-access",
            aws_secret_access_key="egov-secret-key",
        )
        s3.create_bucket(
            Bucket="egov-files",
            CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"},
        )
        with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
            stored = store_bytes(b"%PDF-1.7 shared by every node", "application/pdf")
            assert read_stored(stored) == b"%PDF-1.7 shared by every node"
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="egov-files")["Contents"]]
        assert keys == [f"hanoi/{stored.storage_name}"]
        assert stored.sha256 in stored.storage_name
