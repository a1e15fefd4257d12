"""Personal data at rest: field encryption, blind indexes and masking.

PIPL (个人信息保护法) asks that ID numbers and phone numbers are protected at
rest, shown only to those who need them, and that every look is logged. This
module is the one mechanism for the first two parts (the logging lives in the
services that reveal a value):

Encryption
    AES-256-GCM with a random 96-bit nonce per value (authenticated: a
    tampered or wrongly keyed value fails loudly instead of decrypting to
    rubbish). Keys come from ``settings.FIELD_ENCRYPTION_KEY`` (urlsafe base64
    of 32 bytes, the same format as a Fernet key) plus
    ``settings.FIELD_ENCRYPTION_OLD_KEYS`` for values written before a
    rotation. A stored value reads ``gz1:<key id>:<base64(nonce|ciphertext)>``;
    the key id (a hash of the key, never the key) selects the key to decrypt
    with and lets ``rotate_field_key`` find the rows still written with an old
    key by a prefix match, without trial decryption. AES-GCM
    was chosen over Fernet because it is about six times faster here (about
    4 µs per value), which the bulk import needs.

国密 (for 密评)
    ``settings.FIELD_ENCRYPTION_ALGORITHM`` selects the scheme new values are
    written with; every scheme stays readable, whatever is selected. Each has its
    token version: ``gz1`` AES-256-GCM (the default), ``gz2`` SM4-GCM (GB/T
    32907 block cipher in GCM mode, where the linked OpenSSL offers it), ``gz3``
    SM4-CTR with an HMAC-SM3 tag over version, key id, counter block and
    ciphertext (encrypt-then-MAC; the documented alternative for an OpenSSL
    without SM4-GCM). The SM4 keys are derived from the same configured key
    (HMAC-SM3 of the key over a label, 16 bytes; a separate label for the MAC
    key), so switching schemes needs no new key: ``rotate_field_key`` rewrites
    every value not written in the current scheme with the current key, and
    back again, resumably. ``settings.BLIND_INDEX_ALGORITHM`` (``hmac-sha256``
    or ``hmac-sm3``) selects the keyed hash of blind indexes; after changing it
    run ``rebuild_blind_index``. :func:`missing_primitives` says what the linked
    library lacks (the start-up check, ``core.E010``).

Blind index
    HMAC-SHA256 (or HMAC-SM3) with ``settings.BLIND_INDEX_KEY`` over a normalised value, so
    that equal ID numbers or phone numbers can be found and deduplicated by one
    indexed equality without storing them. Each kind of value has its own
    normaliser and its own domain in the MAC, so an ID number and a phone number
    with the same digits never collide.

Masking
    ``1101**********1234`` for ID numbers, ``138****5678`` for mobile numbers:
    what every list, page, export and admin screen shows by default.
    :func:`personal_numbers` finds phone and ID numbers in free text however
    they are written (+86, spaces, dashes, dots, parentheses, full-width
    digits and punctuation, landlines with area code, 15- and 18-digit ID
    numbers) and :func:`mask_free_text` masks them: the one function for free
    text that leaves the product (Open311, logs).

:class:`EncryptedTextField` stores ciphertext and gives plaintext in Python; an
empty value is stored as NULL. It refuses every lookup but ``isnull`` (and the
``stored_with_key`` lookup used by rotation): searching goes through the blind
index, never through the ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Lookup

TOKEN_VERSION = "gz1"  # AES-256-GCM
_NONCE_BYTES = 12
# The field encryption schemes by setting name, and their token versions.
SCHEMES = {"aes-256-gcm": "gz1", "sm4-gcm": "gz2", "sm4-ctr-hmac-sm3": "gz3"}
VERSIONS = {version: scheme for scheme, version in SCHEMES.items()}
BLIND_INDEX_HASHES = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}
_SM4_TAG_BYTES = 16
_SM3_MAC_BYTES = 32


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key.

    The message names the key id, never the value.
    """


# --- keys -----------------------------------------------------------------------


def generate_key() -> str:
    """A new random field key in the settings' format (urlsafe base64, 32 bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def key_id(raw_key: bytes) -> str:
    """A short public identifier of a key: 8 hex digits of a hash of it."""
    return hashlib.sha256(b"gongzhi-field-key-id:" + raw_key).hexdigest()[:8]


def _decode_key(text: str, setting: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{setting} must be urlsafe base64 of 32 bytes "
                                   "(generate one with `python manage.py generate_field_key`)")
    return raw


def _sm3_mac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "sm3")


class _Sm4Gcm:
    """SM4 in GCM mode through the Cipher API; the same interface as ``AESGCM``."""

    def __init__(self, raw_key: bytes):
        self.key = _sm3_mac(raw_key, b"gongzhi-field-sm4")[:16]

    def encrypt(self, nonce: bytes, data: bytes, _associated) -> bytes:
        encryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        sealed = encryptor.update(data) + encryptor.finalize()
        return sealed + encryptor.tag

    def decrypt(self, nonce: bytes, sealed: bytes, _associated) -> bytes:
        if len(sealed) < _SM4_TAG_BYTES:
            raise InvalidTag()
        decryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce, sealed[-_SM4_TAG_BYTES:])).decryptor()
        return decryptor.update(sealed[:-_SM4_TAG_BYTES]) + decryptor.finalize()


class _Sm4CtrHmacSm3:
    """SM4-CTR, then an HMAC-SM3 tag over the token's version, key id, counter block and ciphertext.

    ``nonce`` is the 16-byte initial counter block (random per value).
    """

    nonce_bytes = 16

    def __init__(self, raw_key: bytes, header: bytes):
        self.key = _sm3_mac(raw_key, b"gongzhi-field-sm4")[:16]
        self.mac_key = _sm3_mac(raw_key, b"gongzhi-field-sm3-mac")
        self.header = header

    def encrypt(self, nonce: bytes, data: bytes, _associated) -> bytes:
        encryptor = Cipher(algorithms.SM4(self.key), modes.CTR(nonce)).encryptor()
        sealed = encryptor.update(data) + encryptor.finalize()
        return sealed + _sm3_mac(self.mac_key, self.header + nonce + sealed)

    def decrypt(self, nonce: bytes, sealed: bytes, _associated) -> bytes:
        body, tag = sealed[:-_SM3_MAC_BYTES], sealed[-_SM3_MAC_BYTES:]
        if len(sealed) < _SM3_MAC_BYTES or not hmac.compare_digest(tag, _sm3_mac(self.mac_key, self.header + nonce + body)):
            raise InvalidTag()
        decryptor = Cipher(algorithms.SM4(self.key), modes.CTR(nonce)).decryptor()
        return decryptor.update(body) + decryptor.finalize()


def _nonce_bytes(version: str) -> int:
    return 16 if version == "gz3" else _NONCE_BYTES


def _cipher(version: str, kid: str, raw_key: bytes):
    if version == "gz1":
        return AESGCM(raw_key)
    if version == "gz2":
        return _Sm4Gcm(raw_key)
    return _Sm4CtrHmacSm3(raw_key, f"{version}:{kid}:".encode())


def missing_primitives(scheme: str | None = None, index_algorithm: str | None = None) -> list[str]:
    """What the linked OpenSSL lacks of the configured (or given) scheme and blind-index hash; [] when nothing."""
    scheme = scheme or getattr(settings, "FIELD_ENCRYPTION_ALGORITHM", "aes-256-gcm")
    index_algorithm = index_algorithm or getattr(settings, "BLIND_INDEX_ALGORITHM", "hmac-sha256")
    missing: list[str] = []
    if scheme in ("sm4-gcm", "sm4-ctr-hmac-sm3"):
        version = SCHEMES[scheme]
        cipher = _cipher(version, "probe", b"k" * 32)
        nonce = b"n" * _nonce_bytes(version)
        try:
            cipher.decrypt(nonce, cipher.encrypt(nonce, b"x", None), None)
        except (UnsupportedAlgorithm, ValueError, InvalidTag):
            missing.append("SM4-GCM" if version == "gz2" else "SM4-CTR and SM3")
    if index_algorithm == "hmac-sm3":
        try:
            hmac.digest(b"k", b"x", "sm3")
        except ValueError:
            missing.append("SM3")
    return missing


class Keyring:
    """The current key and scheme (encrypts) and every known key by id (decrypts, in any scheme)."""

    def __init__(self, current: str, old: tuple[str, ...], scheme: str = "aes-256-gcm"):
        if not current:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set")
        if scheme not in SCHEMES:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_ALGORITHM must be one of {', '.join(SCHEMES)}, not {scheme!r}")
        raw_current = _decode_key(current, "FIELD_ENCRYPTION_KEY")
        self.scheme, self.version = scheme, SCHEMES[scheme]
        self.current_id = key_id(raw_current)
        self.raw_by_id: dict[str, bytes] = {self.current_id: raw_current}
        for index, text in enumerate(old):
            raw = _decode_key(text, f"FIELD_ENCRYPTION_OLD_KEYS[{index}]")
            kid = key_id(raw)
            if kid in self.raw_by_id and raw != raw_current:
                raise ImproperlyConfigured("two field encryption keys share a key id; generate a new key")
            self.raw_by_id.setdefault(kid, raw)
        self._ciphers: dict[tuple[str, str], object] = {}
        self.current = self.cipher(self.version, self.current_id)
        self.nonce_bytes = _nonce_bytes(self.version)
        self.by_id = {kid: AESGCM(raw) for kid, raw in self.raw_by_id.items()}  # AES-GCM ciphers by key id
        self.prefix = f"{self.version}:{self.current_id}:"

    def cipher(self, version: str, kid: str):
        """The cipher of a token version and key id, or None when the key is not configured."""
        found = self._ciphers.get((version, kid))
        if found is None:
            raw = self.raw_by_id.get(kid)
            if raw is None:
                return None
            found = self._ciphers[(version, kid)] = _cipher(version, kid, raw)
        return found


@lru_cache(maxsize=4)
def _keyring_for(current: str, old: tuple[str, ...], scheme: str = "aes-256-gcm") -> Keyring:
    return Keyring(current, old, scheme)


def keyring() -> Keyring:
    """The keyring of the current settings (cached; follows ``override_settings``)."""
    return _keyring_for(settings.FIELD_ENCRYPTION_KEY, tuple(settings.FIELD_ENCRYPTION_OLD_KEYS),
                        getattr(settings, "FIELD_ENCRYPTION_ALGORITHM", "aes-256-gcm"))


# --- encryption -----------------------------------------------------------------


def encrypt(plaintext: str) -> str:
    """Encrypt a string with the current key; a fresh nonce every time."""
    ring = keyring()
    nonce = os.urandom(ring.nonce_bytes)
    sealed = ring.current.encrypt(nonce, plaintext.encode(), None)
    return ring.prefix + base64.urlsafe_b64encode(nonce + sealed).decode()


def encryptor():
    """``encrypt`` bound to the current key, for encrypting many values in a row (bulk inserts)."""
    ring = keyring()
    seal, prefix, urandom, b64 = ring.current.encrypt, ring.prefix, os.urandom, base64.urlsafe_b64encode
    nonce_bytes = ring.nonce_bytes

    def encrypt_one(plaintext: str) -> str:
        nonce = urandom(nonce_bytes)
        return prefix + b64(nonce + seal(nonce, plaintext.encode(), None)).decode()

    return encrypt_one


def token_key_id(token: str) -> str:
    """The key id a stored value was written with."""
    version, kid, _rest = token.split(":", 2)
    if version not in VERSIONS:
        raise DecryptionError(f"unknown ciphertext version {version!r}")
    return kid


def token_scheme(token: str) -> str:
    """The scheme (``aes-256-gcm``, ``sm4-gcm``, ``sm4-ctr-hmac-sm3``) a stored value was written with."""
    version = token.split(":", 1)[0]
    if version not in VERSIONS:
        raise DecryptionError(f"unknown ciphertext version {version!r}")
    return VERSIONS[version]


def decrypt(token: str) -> str:
    """Decrypt a stored value with whichever configured key wrote it."""
    try:
        version, kid, body = token.split(":", 2)
    except ValueError:
        raise DecryptionError("not an encrypted value") from None
    if version not in VERSIONS:
        raise DecryptionError(f"unknown ciphertext version {version!r}")
    cipher = keyring().cipher(version, kid)
    if cipher is None:
        raise DecryptionError(f"no configured key has id {kid}; add the old key to FIELD_ENCRYPTION_OLD_KEYS")
    size = _nonce_bytes(version)
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return cipher.decrypt(raw[:size], raw[size:], None).decode()
    except (InvalidTag, binascii.Error, ValueError, UnsupportedAlgorithm):
        raise DecryptionError(f"value written with key {kid} does not authenticate") from None


# --- normalisation and blind index ----------------------------------------------

_NON_DIGITS = re.compile(r"\D+")


def normalize_id(value: str) -> str:
    """ID numbers: upper-case, no whitespace (``11010519491231002x`` = ``…002X``)."""
    return "".join(str(value or "").split()).upper()


def normalize_phone(value: str) -> str:
    """Phone numbers: digits only, without the +86 / 0086 country prefix."""
    digits = _NON_DIGITS.sub("", str(value or ""))
    if digits.startswith("0086") and len(digits) > 11:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalize_username(value: str) -> str:
    """User names as sign-in compares them: NFKC (as Django's forms), trimmed, lower-case, at most 150 characters."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()[:150]


NORMALIZERS = {
    "id_number": normalize_id,
    "phone": normalize_phone,
    "username": normalize_username,
}


@lru_cache(maxsize=4)
def _index_key(key: str) -> bytes:
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is not set")
    return key.encode()


def _index_hash() -> str:
    algorithm = getattr(settings, "BLIND_INDEX_ALGORITHM", "hmac-sha256")
    if algorithm not in BLIND_INDEX_HASHES:
        raise ImproperlyConfigured(f"BLIND_INDEX_ALGORITHM must be one of {', '.join(BLIND_INDEX_HASHES)}, "
                                   f"not {algorithm!r}")
    return BLIND_INDEX_HASHES[algorithm]


@lru_cache(maxsize=8)
def _keyed_pads(key: bytes, name: str = "sha256") -> tuple:
    """SHA-256 states after absorbing the HMAC inner and outer key pads (RFC 2104).

    Copying a state that has already absorbed a pad is about three times
    cheaper than a one-shot ``hmac.digest``, which derives both pads from the
    key again for every value (measured by bench/import_registry.py).
    """
    if len(key) > 64:  # the block size of SHA-256 and SM3: longer keys are hashed first, as HMAC does
        key = hashlib.new(name, key).digest()
    key = key.ljust(64, b"\0")
    return (hashlib.new(name, bytes(b ^ 0x36 for b in key)), hashlib.new(name, bytes(b ^ 0x5C for b in key)))


def indexer(kind: str, *, normalized: bool = False):
    """``blind_index`` for one kind, bound to the current key: for bulk work.

    Gives exactly HMAC-SHA256 (the tests compare it with ``hmac.digest``), with
    the key pads absorbed once instead of once per value. ``normalized=True``
    skips normalising, for callers that already hold the normalised value.
    """
    normalize = str if normalized else NORMALIZERS[kind]
    inner, outer = _keyed_pads(_index_key(settings.BLIND_INDEX_KEY), _index_hash())
    copy_inner, copy_outer = inner.copy, outer.copy
    domain = f"{kind}:"

    def index_one(value: str) -> str:
        normalized = normalize(value)
        if not normalized:
            return ""
        mac = copy_inner()
        mac.update((domain + normalized).encode())
        result = copy_outer()
        result.update(mac.digest())
        return result.hexdigest()

    return index_one


def blind_index(kind: str, value: str) -> str:
    """Keyed hash of a normalised value, for exact search and deduplication.

    Empty input gives an empty index (nothing to find). ``kind`` separates
    domains: it is both the normaliser's name and part of the MAC input.
    """
    normalized = NORMALIZERS[kind](value)
    if not normalized:
        return ""
    key = _index_key(settings.BLIND_INDEX_KEY)
    return hmac.digest(key, f"{kind}:{normalized}".encode(), _index_hash()).hex()


# --- masking --------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """``1101**********1234``: first four and last four characters kept."""
    text = normalize_id(value)
    if not text:
        return ""
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(value: str) -> str:
    """``138****5678``: first three and last four digits kept."""
    digits = normalize_phone(value)
    if not digits:
        return ""
    if len(digits) <= 7:
        return "*" * (len(digits) - 2) + digits[-2:] if len(digits) > 2 else "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """``王**``: the surname kept, as lists and callback sheets show a caller."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_address(address: str) -> str:
    """``北京市朝阳区****``: the first six characters kept (the city and district), the rest starred."""
    address = (address or "").strip()
    if not address:
        return ""
    kept = min(6, max(0, len(address) - 4))
    return address[:kept] + "*" * 4


def mask_text(value: str) -> str:
    """``***``: a sensitive free text (a party membership detail) shows nothing of itself."""
    return "***" if (value or "").strip() else ""


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
    "text": mask_text,
}


def mask(kind: str, value: str) -> str:
    return MASKERS[kind](value)


# --- numbers in free text -------------------------------------------------------

# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space folded to ASCII, one
# character for one, so positions in the folded text are positions in the original.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Between two digits people write nothing, spaces, a dash (any dash) or a dot.
_SEP = r"[ \t\u00a0\u2009\u202f\-.\u2010-\u2015\u2212\u30fc]{0,3}"
_D = "[0-9]"


def _spaced(*classes: str) -> str:
    """Digit classes with an optional separator between each two."""
    return _SEP.join(classes)


# 18-digit ID number: division code, birth date (year 18xx-20xx, month, day), sequence, check (X).
_ID18 = _spaced("[1-9]", *[_D] * 5, "(?:1[89]|20)", _D, _D, "[01]", _D, "[0-3]", _D, *[_D] * 3, "[0-9Xx]")
# 15-digit ID number (issued until 2004): division code, yymmdd (born 1920-1999), sequence. Statistical
# region codes of grids are 15 digits too; their township part (0xx, 1xx) cannot be such a year.
_ID15 = _spaced("[1-9]", *[_D] * 5, "[2-9]", _D, "[01]", _D, "[0-3]", _D, *[_D] * 3)
_COUNTRY = r"(?:\(\s*(?:\+|00)?\s*86\s*\)|(?:\+|00)\s*86|86)" + _SEP
_MOBILE = f"(?:{_COUNTRY})?" + r"\(?" + _spaced("1", "[3-9]", _D) + r"\)?" + _SEP + _spaced(*[_D] * 8)
# Landline: area code 0xx or 0xxx (in parentheses or not; without its 0 after +86), a local number of
# 7 or 8 digits.
_AREA = r"(?:\(\s*0[1-9][0-9]{1,2}\s*\)|0[1-9][0-9]{1,2}|" + _COUNTRY + r"\(?[1-9][0-9]{1,2}\)?)"
_LANDLINE = _AREA + _SEP + _spaced("[1-9]", *[_D] * 6) + f"(?:{_SEP}{_D})?"
_PERSONAL_NUMBER = re.compile(
    rf"(?<![0-9Xx])(?P<id_number>{_ID18})(?![0-9Xx])"
    rf"|(?<![0-9])(?P<phone>{_MOBILE})(?![0-9])"
    rf"|(?<![0-9])(?P<old_id_number>{_ID15})(?![0-9])"
    rf"|(?<![0-9])(?P<landline>{_LANDLINE})(?![0-9])"
)


_NOT_ID_CHARACTERS = re.compile(r"[^0-9Xx]+")
_MOBILE_DIGITS = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_ABROAD = re.compile(r"[\s(]*(?:\+|00)\s*86[^0-9]*[1-9][0-9]{1,2}[^0-9]")


class PersonalNumber(tuple):
    """One number found in free text: ``kind`` (``id_number`` or ``phone``), ``start``, ``end``, ``text``."""

    __slots__ = ()

    def __new__(cls, kind: str, start: int, end: int, text: str):
        return super().__new__(cls, (kind, start, end, text))

    kind = property(lambda self: self[0])
    start = property(lambda self: self[1])
    end = property(lambda self: self[2])
    text = property(lambda self: self[3])


_ASCII_LETTER = re.compile("[A-Za-z]")
_TOKEN_CHARACTER = re.compile("[0-9A-Za-z-]")
_HEX_TOKEN = re.compile("[0-9a-fA-F-]{16,}")


def _in_machine_token(text: str, start: int, end: int) -> bool:
    """Digits inside a long hexadecimal token (a request id, a uuid, a hash) are no one's number;
    ``wx13800138000`` or ``ID110105…`` are."""
    before, after = text[start - 1:start], text[end:end + 1]
    if not (_ASCII_LETTER.match(before) or _ASCII_LETTER.match(after)):
        return False
    while start > 0 and _TOKEN_CHARACTER.match(text[start - 1]):
        start -= 1
    while end < len(text) and _TOKEN_CHARACTER.match(text[end]):
        end += 1
    return bool(_HEX_TOKEN.fullmatch(text, start, end))


def personal_numbers(text: str) -> list[PersonalNumber]:
    """Every phone number (mobile or landline) and ID number written in ``text``.

    Recognises ``+86 138 0013 8000``, ``0086-138-0013-8000``, ``(+86)13800138000``,
    ``138.0013.8000``, full-width ``１３８－００１３－８０００``, ``010-12345678``, ``(0755)1234567``,
    ``110105 19491231 002X``, ``1101-0519-4912-3100-2x`` and old 15-digit ID numbers.
    ``text`` of each is the number as written (its digits in ASCII).
    """
    if not text:
        return []
    text = str(text)
    folded = text.translate(_FOLD)
    found = []
    for match in _PERSONAL_NUMBER.finditer(folded):
        if _in_machine_token(folded, match.start(), match.end()):
            continue
        kind = "id_number" if (match.lastgroup or "").endswith("id_number") else "phone"
        found.append(PersonalNumber(kind, match.start(), match.end(), match.group()))
    return found


def mask_free_text(text: str) -> str:
    """``text`` with every phone and ID number in it masked (``138****8000``, ``1101**********002X``).

    THE masking of free text that leaves the product: Open311 descriptions and
    replies, log lines (:class:`gongzhi.ops.logs.MaskPersonalNumbers`).
    """
    if not text:
        return "" if text is None else text
    text = str(text)
    numbers = personal_numbers(text)
    if not numbers:
        return text
    parts, last = [], 0
    for number in numbers:
        if number.kind == "id_number":
            digits = _NOT_ID_CHARACTERS.sub("", number.text)
        else:
            digits = normalize_phone(number.text)
            if _LANDLINE_ABROAD.match(number.text) and not _MOBILE_DIGITS.fullmatch(digits):  # +86 10 12345678
                digits = "0" + _NON_DIGITS.sub("", number.text).removeprefix("00").removeprefix("86")
        parts += [text[last:number.start], mask(number.kind, digits)]
        last = number.end
    parts.append(text[last:])
    return "".join(parts)


# --- the model field ------------------------------------------------------------


class EncryptedTextField(models.TextField):
    """A text column that holds ciphertext; Python code sees plaintext.

    ``kind`` names the masker used wherever the value is shown
    (``"id_number"`` or ``"phone"``). Empty values are stored as NULL.
    """

    personal_data = True
    _allowed_lookups = frozenset({"isnull", "stored_with_key"})

    def __init__(self, *args, kind: str = "id_number", **kwargs):
        if kind not in MASKERS:
            raise ValueError(f"unknown personal data kind {kind!r}")
        self.kind = kind
        kwargs["null"] = True
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("null", None)
        if self.kind != "id_number":
            kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return ""
        return decrypt(value)

    def to_python(self, value):
        return "" if value is None else str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in self._allowed_lookups:
            return None  # Django turns this into "Unsupported lookup": search via the blind index
        return super().get_lookup(lookup_name)

    def mask(self, value: str) -> str:
        return mask(self.kind, value)


@EncryptedTextField.register_lookup
class StoredWithKey(Lookup):
    """``field__stored_with_key=<key id>``: rows written with that key in the current scheme (rotation:
    a value written with the same key in another scheme is not "stored with" it and gets rewritten)."""

    lookup_name = "stored_with_key"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"{keyring().version}:{value}:%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


def encrypted_fields(model) -> list[EncryptedTextField]:
    """The encrypted fields of a model (for rotation and audit redaction)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def check_primitives(app_configs=None, **kwargs):
    """Start-up check (``core.E010``): the configured 国密 scheme and hash exist in the linked OpenSSL."""
    from django.core.checks import Error

    missing = missing_primitives()
    if not missing:
        return []
    from cryptography.hazmat.backends.openssl import backend

    return [Error(
        f"FIELD_ENCRYPTION_ALGORITHM={settings.FIELD_ENCRYPTION_ALGORITHM} / "
        f"BLIND_INDEX_ALGORITHM={settings.BLIND_INDEX_ALGORITHM} need {', '.join(missing)}, which the linked "
        f"library ({backend.openssl_version_text()}) lacks.",
        hint="Link cryptography against an OpenSSL with SM4 and SM3 (OpenSSL 3), or choose sm4-ctr-hmac-sm3 when "
             "only SM4-GCM is missing, or aes-256-gcm / hmac-sha256 (docs/security.md).",
        id="core.E010")]
