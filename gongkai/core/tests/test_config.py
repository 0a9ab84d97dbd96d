"""Configuration from environment variables (#2 §2)."""

from __future__ import annotations

import stat

import pytest
from django.db.utils import ConnectionHandler

from gongkai.config import env


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path, monkeypatch, django_db_blocker):
    """The default SQLite database uses WAL and waits for the write lock instead of failing."""
    monkeypatch.delenv("GONGKAI_DATABASE_URL", raising=False)
    connection = ConnectionHandler({"default": env.database(tmp_path)})["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
        assert connection.settings_dict["NAME"] == str(tmp_path / "gongkai.sqlite3")
    finally:
        connection.close()


def test_postgres_url_is_understood(tmp_path, monkeypatch):
    """A postgres:// URL selects the PostgreSQL backend with its host, name and user."""
    monkeypatch.setenv("GONGKAI_DATABASE_URL", "postgres://gk:secret@db.example:5433/openness")
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.example",
        5433,
        "openness",
        "gk",
    )


@pytest.mark.parametrize("url", ["mysql://x@y/z", "nonsense", "sqlite://:memory:"])
def test_unsupported_database_urls_are_refused_with_one_line(tmp_path, monkeypatch, url):
    """A database URL we cannot use is refused with one bilingual line naming the variable."""
    monkeypatch.setenv("GONGKAI_DATABASE_URL", url)
    with pytest.raises(env.ConfigError) as caught:
        env.database(tmp_path)
    message = str(caught.value)
    assert "GONGKAI_DATABASE_URL" in message
    assert "\n" not in message


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    """Without GONGKAI_SECRET_KEY a key is generated once, kept in the data dir, mode 0600."""
    monkeypatch.delenv("GONGKAI_SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert first == env.secret_key(tmp_path)
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_short_secret_key_is_refused(tmp_path, monkeypatch):
    """A configured secret key shorter than 50 characters is refused."""
    monkeypatch.setenv("GONGKAI_SECRET_KEY", "too-short")
    with pytest.raises(env.ConfigError):
        env.secret_key(tmp_path)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("on", True), ("0", False), ("", False), ("No", False)]
)
def test_switches_read_common_words(monkeypatch, raw, expected):
    """Switch variables accept 1/0, yes/no, on/off, true/false."""
    monkeypatch.setenv("GONGKAI_DEBUG", raw)
    assert env.env_bool("GONGKAI_DEBUG", not expected) is expected


def test_a_bad_switch_is_refused(monkeypatch):
    """A switch with another value is refused rather than guessed."""
    monkeypatch.setenv("GONGKAI_DEBUG", "maybe")
    with pytest.raises(env.ConfigError):
        env.env_bool("GONGKAI_DEBUG", False)


def test_pages_carry_security_headers(client, db):
    """Every page sends a Content-Security-Policy without inline scripts, and denies framing."""
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
