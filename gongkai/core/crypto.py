"""Field-level encryption of personal data (R-4.3; issue #5 §10).

Applicants' names, identity numbers, phones, addresses and e-mails are stored encrypted
with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``). The keys live outside
the database:

* ``GONGKAI_PERSONAL_DATA_KEYS``: Fernet keys separated by commas, newest first; or
* the key file ``<data dir>/keys/personal-data.keys`` (one key per line, newest first),
  created with owner-only permissions the first time it is needed.

The first key encrypts; every key decrypts (:class:`~cryptography.fernet.MultiFernet`), so
rotation is: add a new key in front (``gongkai rotate-keys``), which re-encrypts every
stored value with it, then drop the old keys once no value uses them.

Equality lookups (the same applicant again: duplicate detection, fees per applicant per
month) use a *blind index*: an HMAC-SHA256 of the normalised value under a separate
lookup key kept beside the encryption keys (``GONGKAI_PERSONAL_DATA_LOOKUP_KEY`` or the
``lookup.key`` file). The lookup key does not rotate with the encryption keys.

    token = encrypt("120101199001011234")
    decrypt(token)                         # "120101199001011234"
    blind_index("120101199001011234")      # 64 hex characters, the same every time
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

ENV_KEYS = "GONGKAI_PERSONAL_DATA_KEYS"
ENV_LOOKUP_KEY = "GONGKAI_PERSONAL_DATA_LOOKUP_KEY"
PREFIX = "fernet:"  # stored values start with this; anything else is legacy plain text


class PersonalDataKeyError(Exception):
    """The keys are missing or malformed; the message is bilingual."""


_lock = threading.Lock()
_cached: tuple[tuple[str, ...], MultiFernet] | None = None


def key_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def _key_file() -> Path:
    return key_dir() / "personal-data.keys"


def _lookup_file() -> Path:
    return key_dir() / "lookup.key"


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def current_keys() -> tuple[str, ...]:
    """The configured keys, newest first (creating the key file on first use)."""
    configured = os.environ.get(ENV_KEYS, "").strip()
    if configured:
        keys = tuple(k.strip() for k in configured.split(",") if k.strip())
    else:
        path = _key_file()
        if not path.exists():
            _write_new(path, Fernet.generate_key().decode("ascii") + "\n")
        keys = tuple(
            line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()
        )
    if not keys:
        raise PersonalDataKeyError(
            "个人信息加密密钥为空 / no personal-data encryption key is configured"
        )
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise PersonalDataKeyError(
                "个人信息加密密钥格式不正确 / a personal-data encryption key is malformed"
            ) from None
    return keys


def _fernet() -> MultiFernet:
    global _cached
    keys = current_keys()
    with _lock:
        if _cached is None or _cached[0] != keys:
            _cached = (keys, MultiFernet([Fernet(k) for k in keys]))
        return _cached[1]


def reset() -> None:
    """Forget the cached keys (after rotation, and in tests)."""
    global _cached
    with _lock:
        _cached = None


def encrypt(value: str) -> str:
    if value == "":
        return ""
    return PREFIX + _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        return token
    try:
        return _fernet().decrypt(token[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise PersonalDataKeyError(
            "无法解密个人信息：密钥不匹配 / cannot decrypt personal data: no key matches"
        ) from None


def reencrypt(token: str) -> str:
    """``token`` encrypted under the newest key (unchanged if empty)."""
    if not token:
        return token
    if not token.startswith(PREFIX):
        return encrypt(token)
    return PREFIX + _fernet().rotate(token[len(PREFIX) :].encode("ascii")).decode("ascii")


def uses_newest_key(token: str) -> bool:
    if not token or not token.startswith(PREFIX):
        return not token
    newest = Fernet(current_keys()[0])
    try:
        newest.decrypt(token[len(PREFIX) :].encode("ascii"))
    except InvalidToken:
        return False
    return True


def _lookup_key() -> bytes:
    configured = os.environ.get(ENV_LOOKUP_KEY, "").strip()
    if configured:
        return configured.encode("utf-8")
    path = _lookup_file()
    if not path.exists():
        _write_new(path, Fernet.generate_key().decode("ascii") + "\n")
    return path.read_text(encoding="ascii").strip().encode("ascii")


def blind_index(value: str, purpose: str = "identity") -> str:
    """A keyed hash of ``value`` for equality lookups; ``""`` for an empty value."""
    normalised = "".join(value.split()).upper()
    if not normalised:
        return ""
    message = f"{purpose}:{normalised}".encode()
    return hmac.new(_lookup_key(), message, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def rotate_key_file() -> str:
    """Put a new key in front of the key file; returns it. Not for env-configured keys."""
    if os.environ.get(ENV_KEYS, "").strip():
        raise PersonalDataKeyError(
            f"密钥由环境变量 {ENV_KEYS} 配置，请在那里添加新密钥 / the keys come from "
            f"{ENV_KEYS}: add the new key there, first"
        )
    keys = current_keys()
    new = generate_key()
    path = _key_file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write("\n".join((new, *keys)) + "\n")
    os.replace(tmp, path)
    reset()
    return new


def drop_old_keys() -> int:
    """Keep only the newest key in the key file; returns how many were dropped."""
    if os.environ.get(ENV_KEYS, "").strip():
        raise PersonalDataKeyError(
            f"密钥由环境变量 {ENV_KEYS} 配置 / the keys come from {ENV_KEYS}: edit it there"
        )
    keys = current_keys()
    path = _key_file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(keys[0] + "\n")
    os.replace(tmp, path)
    reset()
    return len(keys) - 1


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; reads give the plain text.

    The stored token is different each time (random IV), so the field cannot be
    filtered or ordered on: look up through a blind index beside it instead.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and those fields' names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return found
