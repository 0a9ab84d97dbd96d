"""Field encryption of personal data: Fernet tokens, keys from the environment or a key
file outside the database, blind index for equality lookups (R-4.3; issue #5 §10)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from gongkai.core import crypto


@pytest.fixture(autouse=True)
def _own_keys(settings, tmp_path, monkeypatch):
    """Each test has its own key file; the process's key cache is forgotten around it."""
    monkeypatch.delenv(crypto.ENV_KEYS, raising=False)
    monkeypatch.delenv(crypto.ENV_LOOKUP_KEY, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    crypto.reset()
    yield
    crypto.reset()


def _bilingual(message: str) -> bool:
    zh, _, en = message.partition(" / ")
    return bool(en) and any("\u4e00" <= c <= "\u9fff" for c in zh) and en.isascii()


def test_chinese_text_round_trips():
    """R-4.3: what is encrypted reads back exactly, Chinese included."""
    for value in ("张三", "天津市滨海新区中新天津生态城和畅路 1 号", "11010519491231002X", "生"):
        token = crypto.encrypt(value)
        assert token.startswith(crypto.PREFIX)
        assert value not in token
        assert crypto.decrypt(token) == value


def test_empty_stays_empty_and_legacy_plain_text_reads_as_is():
    """An empty value is stored empty (destroyed data stays empty); a value without the prefix is
    legacy plain text and reads as it is."""
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""
    assert crypto.decrypt("plain") == "plain"


def test_the_same_value_gives_a_different_token_each_time():
    """R-4.3: a random IV per token — equal values cannot be matched in a dump."""
    first, second = crypto.encrypt("张三"), crypto.encrypt("张三")
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "张三"


def test_the_blind_index_is_stable_and_ignores_spaces_and_case():
    """Issue #5 §10: the same applicant is found again (fees per month, duplicates) through a
    keyed hash of the normalised value, never through the plain value."""
    index = crypto.blind_index("11010519491231002X")
    assert index == crypto.blind_index("11010519491231002X")
    assert index == crypto.blind_index(" 110105 19491231002x ")
    assert index != crypto.blind_index("110105194912310029")
    assert len(index) == 64
    assert "11010519491231002X" not in index
    assert crypto.blind_index("  ") == ""
    assert crypto.blind_index("x", purpose="email") != crypto.blind_index("x")


def test_the_blind_index_depends_on_the_lookup_key(monkeypatch):
    """Without the lookup key the hash cannot be recomputed from a guessed identity number."""
    from_file = crypto.blind_index("11010519491231002X")
    monkeypatch.setenv(crypto.ENV_LOOKUP_KEY, "another lookup key")
    assert crypto.blind_index("11010519491231002X") != from_file


def test_keys_from_the_environment_every_key_decrypts(monkeypatch):
    """R-4.3: GONGKAI_PERSONAL_DATA_KEYS holds keys newest first; the first encrypts, every
    one decrypts (a token made with the second, older key still reads)."""
    newest, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(crypto.ENV_KEYS, f"{newest}, {older}")
    assert crypto.current_keys() == (newest, older)
    old_token = crypto.PREFIX + Fernet(older).encrypt("李四".encode()).decode()
    assert crypto.decrypt(old_token) == "李四"
    fresh = crypto.encrypt("李四")
    assert Fernet(newest).decrypt(fresh[len(crypto.PREFIX) :].encode()).decode() == "李四"
    assert not crypto.uses_newest_key(old_token)
    assert crypto.uses_newest_key(crypto.reencrypt(old_token))


def test_env_configured_keys_are_not_rotated_in_a_file(monkeypatch):
    """Keys from the environment are rotated there, not in a key file: refused with a bilingual
    message."""
    monkeypatch.setenv(crypto.ENV_KEYS, Fernet.generate_key().decode())
    with pytest.raises(crypto.PersonalDataKeyError) as excinfo:
        crypto.rotate_key_file()
    assert _bilingual(str(excinfo.value))


@pytest.mark.parametrize("keys", ["not-a-key", "short,", f"{'A' * 44},"])
def test_a_malformed_key_is_refused_with_a_bilingual_message(monkeypatch, keys):
    """R-4.3: a bad key stops at once with a message in Chinese and English."""
    monkeypatch.setenv(crypto.ENV_KEYS, keys)
    with pytest.raises(crypto.PersonalDataKeyError) as excinfo:
        crypto.encrypt("张三")
    message = str(excinfo.value)
    assert _bilingual(message)
    assert "malformed" in message


def test_a_token_of_another_key_is_refused_with_a_bilingual_message(monkeypatch):
    """R-4.3: a token no configured key opens is an error, never garbage or plain text."""
    stranger = crypto.PREFIX + Fernet(Fernet.generate_key()).encrypt(b"secret").decode()
    with pytest.raises(crypto.PersonalDataKeyError) as excinfo:
        crypto.decrypt(stranger)
    assert _bilingual(str(excinfo.value))
    assert "no key matches" in str(excinfo.value)


def test_the_key_file_is_created_owner_only_on_first_use(settings):
    """R-4.3: keys live outside the database, in <data dir>/keys, readable by the owner only."""
    import stat
    from pathlib import Path

    crypto.encrypt("张三")
    key_file = Path(settings.DATA_DIR) / "keys" / "personal-data.keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().split() == list(crypto.current_keys())


def test_rotation_keeps_old_tokens_readable_until_the_old_key_is_dropped():
    """R-4.3 rotation: old tokens read while the old key is kept; re-encrypted ones read after it
    is dropped, old ones no longer."""
    token = crypto.encrypt("张三")
    crypto.rotate_key_file()
    assert len(crypto.current_keys()) == 2
    assert crypto.decrypt(token) == "张三"
    rotated = crypto.reencrypt(token)
    crypto.drop_old_keys()
    assert crypto.decrypt(rotated) == "张三"
    with pytest.raises(crypto.PersonalDataKeyError):
        crypto.decrypt(token)
