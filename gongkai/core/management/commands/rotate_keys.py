"""``gongkai rotate-keys [--drop-old]``: a new personal-data key; values re-encrypted (R-4.3)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from gongkai.cli import Abort
from gongkai.core import crypto
from gongkai.disclosure_requests import services


def stale_tokens() -> int:
    """How many stored encrypted values do not use the newest key (read raw, not decrypted)."""
    quote = connection.ops.quote_name
    stale = 0
    for model, names in crypto.encrypted_fields():
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
        table = quote(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - names from the model
            for row in cursor.fetchall():
                stale += sum(1 for token in row if token and not crypto.uses_newest_key(token))
    return stale


def drop_old_keys() -> int:
    """Drop every key but the newest, after checking that no stored value needs them."""
    stale = stale_tokens()
    if stale:
        raise Abort(
            f"仍有 {stale} 个加密值使用旧密钥，未删除旧密钥；请再运行 gongkai rotate-keys / "
            f"{stale} encrypted value(s) still use an old key: the old keys were kept; run "
            "`gongkai rotate-keys` again"
        )
    try:
        return crypto.drop_old_keys()
    except crypto.PersonalDataKeyError as exc:
        raise Abort(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Rotate the encryption key of applicants' personal data: put a new key in front of "
        "the key file (<data dir>/keys/personal-data.keys) and re-encrypt every stored value "
        "with it. The old keys stay so that backups can still be read; --drop-old removes "
        "them afterwards, once every stored value is checked to use the new key. When the "
        "keys come from GONGKAI_PERSONAL_DATA_KEYS, put the new key first there yourself: "
        "this command then only re-encrypts with it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--drop-old",
            action="store_true",
            help="Afterwards remove the old keys (only if no stored value still uses one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if os.environ.get(crypto.ENV_KEYS, "").strip():
                self.stdout.write(
                    f"密钥由环境变量 {crypto.ENV_KEYS} 配置：使用其中第一个密钥重新加密 / the keys "
                    f"come from {crypto.ENV_KEYS}: re-encrypting with its first key"
                )
            else:
                crypto.rotate_key_file()
                count = len(crypto.current_keys())
                self.stdout.write(
                    f"已生成新密钥，密钥文件现有 {count} 个密钥 / new key added: the key file "
                    f"holds {count} key(s)"
                )
            rows = services.reencrypt_personal_data()
        except crypto.PersonalDataKeyError as exc:
            raise Abort(str(exc)) from None
        self.stdout.write(
            f"已用新密钥重新加密 {rows} 行 / {rows} row(s) re-encrypted with the newest key"
        )
        if options["drop_old"]:
            dropped = drop_old_keys()
            self.stdout.write(
                f"已核对全部加密值，删除 {dropped} 个旧密钥 / every encrypted value checked: "
                f"{dropped} old key(s) dropped"
            )
