"""Field encryption, blind index and masking."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from gongzhi.core import crypto

KEY_A = crypto.generate_key()
KEY_B = crypto.generate_key()


def test_round_trip_and_fresh_nonce():
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_A, FIELD_ENCRYPTION_OLD_KEYS=[]):
        first, second = crypto.encrypt("11010519491231002X"), crypto.encrypt("11010519491231002X")
        assert first != second  # same plaintext, different ciphertext
        assert "11010519491231002X" not in first
        assert crypto.decrypt(first) == crypto.decrypt(second) == "11010519491231002X"
        assert crypto.decrypt(crypto.encrypt("张三 13800138000")) == "张三 13800138000"


def test_wrong_key_fails():
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_A, FIELD_ENCRYPTION_OLD_KEYS=[]):
        token = crypto.encrypt("13800138000")
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_B, FIELD_ENCRYPTION_OLD_KEYS=[]):
        with pytest.raises(crypto.DecryptionError) as excinfo:
            crypto.decrypt(token)
        assert "13800138000" not in str(excinfo.value)


def test_tampered_value_fails():
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_A, FIELD_ENCRYPTION_OLD_KEYS=[]):
        token = crypto.encrypt("13800138000")
        body = token.rsplit(":", 1)[1]
        flipped = body[:-4] + ("A" if body[-4] != "A" else "B") + body[-3:]
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token.rsplit(":", 1)[0] + ":" + flipped)


def test_old_keys_still_decrypt_and_new_values_use_the_current_key():
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_A, FIELD_ENCRYPTION_OLD_KEYS=[]):
        old_token = crypto.encrypt("13800138000")
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_B, FIELD_ENCRYPTION_OLD_KEYS=[KEY_A]):
        assert crypto.decrypt(old_token) == "13800138000"
        new_token = crypto.encrypt("13800138000")
        assert crypto.token_key_id(new_token) == crypto.keyring().current_id != crypto.token_key_id(old_token)


@pytest.mark.parametrize("bad", ["", "not-base64!", "c2hvcnQ="])
def test_bad_keys_are_refused(bad):
    with override_settings(FIELD_ENCRYPTION_KEY=bad, FIELD_ENCRYPTION_OLD_KEYS=[]):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")


def test_blind_index_is_equal_for_equivalent_inputs():
    assert crypto.blind_index("id_number", "11010519491231002x") == crypto.blind_index("id_number", " 110105 19491231002X")
    assert crypto.blind_index("phone", "+86 138-0013-8000") == crypto.blind_index("phone", "13800138000")
    assert crypto.blind_index("phone", "0086 13800138000") == crypto.blind_index("phone", "138 0013 8000")
    assert crypto.blind_index("phone", "13800138000") != crypto.blind_index("phone", "13800138001")
    assert crypto.blind_index("phone", "") == ""


def test_blind_index_depends_on_kind_and_key():
    digits = "110105194912310021"
    assert crypto.blind_index("id_number", digits) != crypto.blind_index("phone", digits)
    with override_settings(BLIND_INDEX_KEY="another-key"):
        other = crypto.blind_index("id_number", digits)
    assert other != crypto.blind_index("id_number", digits)
    assert digits not in crypto.blind_index("id_number", digits)


@pytest.mark.parametrize(("value", "masked"), [
    ("110105194912311234", "1101**********1234"),
    ("11010519491231002x", "1101**********002X"),
    ("", ""),
    ("E1234", "*****"),
])
def test_mask_id_number(value, masked):
    assert crypto.mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("010-65001234", "010****1234"),
    ("0371-6500123", "037****0123"),
    ("", ""),
])
def test_mask_phone(value, masked):
    assert crypto.mask_phone(value) == masked


def test_encrypted_field_refuses_lookups_on_ciphertext():
    field = crypto.EncryptedTextField(kind="phone")
    assert field.get_lookup("exact") is None
    assert field.get_lookup("icontains") is None
    assert field.get_lookup("isnull") is not None


def test_encrypted_field_stores_ciphertext_and_null_for_empty():
    field = crypto.EncryptedTextField(kind="phone")
    assert field.get_prep_value("") is None
    stored = field.get_prep_value("13812345678")
    assert stored.startswith("gz1:") and "13812345678" not in stored
    assert field.from_db_value(stored, None, None) == "13812345678"
    assert field.from_db_value(None, None, None) == ""


@pytest.mark.parametrize("key", ["short", "gongzhi-dev-blind-index-key", "k" * 64, "long" * 40])
def test_bulk_indexer_is_exactly_hmac_sha256(key):
    import hashlib
    import hmac

    with override_settings(BLIND_INDEX_KEY=key):
        for kind, value, normalized in [("id_number", "11010519491231002x", "11010519491231002X"),
                                        ("phone", "+86 138-0013-8000", "13800138000")]:
            expected = hmac.new(key.encode(), f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()
            assert crypto.indexer(kind)(value) == crypto.blind_index(kind, value) == expected
            assert crypto.indexer(kind, normalized=True)(normalized) == expected
        assert crypto.indexer("phone")("") == ""


# --- numbers in free text (#11 item 1) --------------------------------------------

MOBILE_STYLES = [
    "13800138000", "138 0013 8000", "138-0013-8000", "138.0013.8000", "138 - 0013 - 8000",
    "+86 138 0013 8000", "+86-138-0013-8000", "+8613800138000", "0086 13800138000", "0086-138-0013-8000",
    "86 13800138000", "8613800138000", "(+86) 138 0013 8000", "(86)13800138000", "(138)00138000",
    "１３８００１３８０００", "１３８－００１３－８０００", "（＋８６）１３８　００１３　８０００", "＋８６ １３８ ００１３ ８０００",
    "138\u20140013\u20148000", "138\u00a00013\u00a08000",
]
LANDLINE_STYLES = [
    ("010-12345678", "010****5678"), ("(010)12345678", "010****5678"), ("（０１０）１２３４５６７８", "010****5678"),
    ("010 1234 5678", "010****5678"), ("01012345678", "010****5678"), ("0755-1234567", "075****4567"),
    ("+86 10 12345678", "010****5678"), ("0086 (10) 1234 5678", "010****5678"),
]
ID_STYLES = [
    ("110105194912310021", "1101**********0021"), ("11010519491231002X", "1101**********002X"),
    ("11010519491231002x", "1101**********002X"), ("110105 19491231 002X", "1101**********002X"),
    ("110105-19491231-002X", "1101**********002X"), ("1101 0519 4912 3100 2X", "1101**********002X"),
    ("１１０１０５１９４９１２３１００２Ｘ", "1101**********002X"), ("１１０１０５ １９４９１２３１ ００２ｘ", "1101**********002X"),
    ("110105491231002", "1101*******1002"), ("110105 491231 002", "1101*******1002"),
]


@pytest.mark.parametrize("written", MOBILE_STYLES)
def test_every_way_of_writing_a_mobile_number_is_masked(written):
    text = f"请联系我：{written}，谢谢"
    assert crypto.mask_free_text(text) == "请联系我：138****8000，谢谢"
    [found] = crypto.personal_numbers(text)
    assert found.kind == "phone" and text[found.start:found.end].translate(crypto._FOLD) == found.text


@pytest.mark.parametrize(("written", "masked"), LANDLINE_STYLES)
def test_landlines_with_area_code_are_masked(written, masked):
    assert crypto.mask_free_text(f"座机{written}转总机") == f"座机{masked}转总机"


@pytest.mark.parametrize(("written", "masked"), ID_STYLES)
def test_every_way_of_writing_an_id_number_is_masked(written, masked):
    assert crypto.mask_free_text(f"身份证号 {written}。") == f"身份证号 {masked}。"
    assert [n.kind for n in crypto.personal_numbers(written)] == ["id_number"]


@pytest.mark.parametrize(("text", "masked"), [
    ("vx13800138000", "vx138****8000"), ("wx:13800138000", "wx:138****8000"),
    ("ID110105194912310021", "ID1101**********0021"), ("tel 13800138000ok", "tel 138****8000ok"),
])
def test_numbers_next_to_letters_are_masked(text, masked):
    assert crypto.mask_free_text(text) == masked


def test_several_numbers_in_one_text_and_nothing_else_changes():
    text = "王先生 +86 139-0000-1111 / 010-65001234，身份证110105194912310021；案件 12 号"
    assert crypto.mask_free_text(text) == "王先生 139****1111 / 010****1234，身份证1101**********0021；案件 12 号"
    assert [n.kind for n in crypto.personal_numbers(text)] == ["phone", "phone", "id_number"]


@pytest.mark.parametrize("text", [
    "", "12345 热线", "2025-09-15T10:00:00+08:00", "2026-12-05 05:00:12,123", "grid 110105001001001",
    "community 110105001001", "lat 39.905 long 116.445 116.40741300000001", "1733380000.123",
    "request 0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7", "13800138000123", "ids 1,2,3", "page 20251205",
    "request_id dce8fc8e5d804ab9b19b0321382564da", "7aabf7958c434b7fa953811010549123", "sha 13800138000abcdef0123",
])
def test_what_is_not_a_personal_number_is_left_alone(text):
    assert crypto.personal_numbers(text) == []
    assert crypto.mask_free_text(text) == text
