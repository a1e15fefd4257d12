"""国密: SM4 field encryption (GCM, or CTR with an HMAC-SM3 tag), HMAC-SM3 blind indexes, the start-up check."""

import base64
import hashlib
import hmac

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from django.core.exceptions import ImproperlyConfigured

from gongzhi.core import crypto

TEXT = "110105194912310021 张三 ☎ 13800138000"


@pytest.mark.parametrize(("scheme", "version"), [("aes-256-gcm", "gz1"), ("sm4-gcm", "gz2"),
                                                 ("sm4-ctr-hmac-sm3", "gz3")])
def test_each_scheme_round_trips_and_names_itself(settings, scheme, version):
    settings.FIELD_ENCRYPTION_ALGORITHM = scheme
    token = crypto.encrypt(TEXT)
    assert token.startswith(f"{version}:{crypto.keyring().current_id}:")
    assert crypto.token_scheme(token) == scheme
    assert crypto.decrypt(token) == TEXT
    assert crypto.encrypt(TEXT) != token  # a fresh nonce every time
    bulk = crypto.encryptor()
    assert crypto.decrypt(bulk("")) == "" and crypto.decrypt(bulk(TEXT)) == TEXT


@pytest.mark.parametrize("scheme", ["sm4-gcm", "sm4-ctr-hmac-sm3"])
def test_a_tampered_sm4_value_fails_loudly(settings, scheme):
    settings.FIELD_ENCRYPTION_ALGORITHM = scheme
    version, kid, body = crypto.encrypt(TEXT).split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-20] ^= 1
    with pytest.raises(crypto.DecryptionError, match="does not authenticate"):
        crypto.decrypt(f"{version}:{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}")
    # A value of one scheme relabelled as the other does not authenticate either.
    other = "gz3" if version == "gz2" else "gz2"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{other}:{kid}:{body}")


def test_sm4_gcm_is_the_standard_cipher(settings):
    """The SM4-GCM token is SM4 in GCM mode under the key derived with HMAC-SM3 (checked with the Cipher API)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    settings.FIELD_ENCRYPTION_ALGORITHM = "sm4-gcm"
    token = crypto.encrypt(TEXT)
    raw = base64.urlsafe_b64decode(token.split(":", 2)[2])
    nonce, sealed, tag = raw[:12], raw[12:-16], raw[-16:]
    key = hmac.digest(crypto._decode_key(settings.FIELD_ENCRYPTION_KEY, "k"), b"gongzhi-field-sm4", "sm3")[:16]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    assert (decryptor.update(sealed) + decryptor.finalize()).decode() == TEXT


def test_every_scheme_stays_readable_whatever_is_selected(settings):
    tokens = {}
    for scheme in crypto.SCHEMES:
        settings.FIELD_ENCRYPTION_ALGORITHM = scheme
        tokens[scheme] = crypto.encrypt(TEXT)
    for scheme in crypto.SCHEMES:
        settings.FIELD_ENCRYPTION_ALGORITHM = scheme
        assert {crypto.decrypt(token) for token in tokens.values()} == {TEXT}


def test_an_unknown_scheme_is_refused(settings):
    settings.FIELD_ENCRYPTION_ALGORITHM = "des"
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_ALGORITHM"):
        crypto.encrypt(TEXT)


def test_hmac_sm3_blind_index(settings):
    settings.BLIND_INDEX_ALGORITHM = "hmac-sm3"
    expected = hmac.digest(settings.BLIND_INDEX_KEY.encode(), b"phone:13800138000", "sm3").hex()
    assert crypto.blind_index("phone", "+86 138-0013-8000") == expected
    assert crypto.indexer("phone")("13800138000") == expected
    settings.BLIND_INDEX_ALGORITHM = "hmac-sha256"
    sha = crypto.blind_index("phone", "13800138000")
    assert sha != expected and sha == hmac.digest(settings.BLIND_INDEX_KEY.encode(), b"phone:13800138000",
                                                  hashlib.sha256).hex()
    settings.BLIND_INDEX_ALGORITHM = "md5"
    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_ALGORITHM"):
        crypto.blind_index("phone", "13800138000")


def test_the_start_up_check_names_what_the_library_lacks(settings, monkeypatch):
    settings.FIELD_ENCRYPTION_ALGORITHM = "sm4-gcm"
    settings.BLIND_INDEX_ALGORITHM = "hmac-sm3"
    assert crypto.missing_primitives() == [] and crypto.check_primitives() == []

    def no_sm4(*args, **kwargs):
        raise UnsupportedAlgorithm("no SM4 here")

    monkeypatch.setattr(crypto._Sm4Gcm, "encrypt", no_sm4)
    errors = crypto.check_primitives()
    assert [e.id for e in errors] == ["core.E010"]
    assert "SM4-GCM" in errors[0].msg and "lacks" in errors[0].msg and "sm4-ctr-hmac-sm3" in errors[0].hint
    settings.FIELD_ENCRYPTION_ALGORITHM = "sm4-ctr-hmac-sm3"
    assert crypto.check_primitives() == []  # the alternative does not need SM4-GCM
