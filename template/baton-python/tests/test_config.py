"""Configuration is a pure function of an env mapping; errors name the key."""

from __future__ import annotations

import pytest

from baton_step.config import ArtifactSettings, WrapperConfig
from baton_step.errors import ConfigError
from baton_step.s3_backend import SharedStore
from baton_step.secrets import SecretReader


def test_wrapper_defaults():
    config = WrapperConfig.from_env({})
    assert (config.http_port, config.threads, config.secrets_dir) == (5000, 4, "/var/openfaas/secrets")
    assert config.handler_dir.endswith("/function")


def test_threads_follow_max_inflight_unless_set():
    assert WrapperConfig.from_env({"max_inflight": "1"}).threads == 1
    assert WrapperConfig.from_env({"max_inflight": "1", "BATON_THREADS": "8"}).threads == 8


@pytest.mark.parametrize("key, value", [("http_port", "abc"), ("http_port", "70000"), ("BATON_THREADS", "0")])
def test_bad_numbers_name_the_key(key, value):
    with pytest.raises(ConfigError, match=key):
        WrapperConfig.from_env({key: value})


def test_artifact_settings():
    settings = ArtifactSettings.from_env({"S3_ENDPOINT": "https://s3.example.com:9443"})
    assert (settings.host, settings.secure, settings.region, settings.bucket) == ("s3.example.com:9443", True, "us-east-1", "baton-artifacts")


@pytest.mark.parametrize("endpoint", ["", "127.0.0.1:9000", "ftp://x", "http://h:9000/path"])
def test_bad_endpoint_names_the_key(endpoint):
    with pytest.raises(ConfigError, match="S3_ENDPOINT"):
        ArtifactSettings.from_env({"S3_ENDPOINT": endpoint})


def test_shared_store_is_created_once_and_retries_after_failure():
    calls = []

    def opener(settings, secrets):
        calls.append(settings)
        if len(calls) == 1:
            raise ConnectionError("minio not up yet")
        return object()

    shared = SharedStore({"S3_ENDPOINT": "http://127.0.0.1:9"}, SecretReader("/nonexistent"), opener)
    with pytest.raises(ConnectionError):
        shared()
    assert shared() is shared()
    assert len(calls) == 2
