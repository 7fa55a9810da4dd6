"""Secrets: trailing newline trimmed; a missing one names the secret and folder, never a value."""

from __future__ import annotations

import pytest

from baton_step import SecretNotFoundError
from baton_step.secrets import SecretReader, read_s3_credentials
from baton_step.testing import make_context


def test_reads_and_trims(tmp_path):
    (tmp_path / "s3-access-key").write_text("AKIA-123\n")
    (tmp_path / "crlf").write_text("v\r\n")
    ctx = make_context(secrets_dir=str(tmp_path))
    assert ctx.secret("s3-access-key") == "AKIA-123"
    assert ctx.secret("crlf") == "v"


def test_missing_secret_names_secret_and_folder(tmp_path):
    ctx = make_context(secrets_dir=str(tmp_path))
    with pytest.raises(SecretNotFoundError) as caught:
        ctx.secret("s3-secret-key")
    assert "s3-secret-key" in str(caught.value) and str(tmp_path) in str(caught.value)


@pytest.mark.parametrize("content", ["", "\n", "  \n"])
def test_an_empty_secret_is_refused_naming_it(tmp_path, content):
    (tmp_path / "s3-secret-key").write_text(content)
    with pytest.raises(SecretNotFoundError, match='secret "s3-secret-key" .* is empty'):
        make_context(secrets_dir=str(tmp_path)).secret("s3-secret-key")


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", ".hidden", ""])
def test_names_cannot_escape_the_folder(tmp_path, name):
    with pytest.raises(SecretNotFoundError):
        make_context(secrets_dir=str(tmp_path)).secret(name)


def test_log_prefixes_call_id_and_redacts(tmp_path, capsys):
    (tmp_path / "token").write_text("tok-999")
    ctx = make_context(secrets_dir=str(tmp_path), call_id="call-1")
    ctx.log("using", ctx.secret("token"))
    assert capsys.readouterr().err == "[call-1] using ***\n"


def test_s3_credentials_own_pair_else_shared_pair(tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "s3-access-key-predict").write_text("baton-predict\n")
    (own / "s3-secret-key-predict").write_text("predict-password\n")
    (own / "baton-step-key-predict").write_text("k" * 32)
    assert read_s3_credentials(SecretReader(str(own))) == ("baton-predict", "predict-password")

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "s3-access-key").write_text("shared-user")
    (shared / "s3-secret-key").write_text("shared-password")
    assert read_s3_credentials(SecretReader(str(shared))) == ("shared-user", "shared-password")

    (own / "s3-access-key-ingest").write_text("baton-ingest")
    with pytest.raises(SecretNotFoundError, match="ambiguous .*s3-access-key-ingest, s3-access-key-predict are mounted"):
        read_s3_credentials(SecretReader(str(own)))
