"""``gongkai init``: set up the database and create the first Office administrator."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.validators import validate_email
from django.db import IntegrityError

from gongkai.accounts.models import User
from gongkai.accounts.services import account_create_office_admin
from gongkai.cli import Abort


def _messages(exc: ValidationError) -> str:
    return "；".join(str(message) for message in exc.messages)


class Command(BaseCommand):
    help = (
        "Set up the database (apply migrations) and create the first Office (委办) "
        "administrator, who can then create units and staff accounts in the back office. "
        "Asks for what is missing when run in a terminal."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", help="Sign-in name of the new Office administrator.")
        parser.add_argument(
            "--password",
            help=(
                "Password of the new administrator (at least 10 characters, not a common "
                "one). Leave it out to be asked without echo."
            ),
        )
        parser.add_argument("--email", default=None, help="E-mail address (optional).")
        parser.add_argument("--full-name", default=None, help="Full name (optional).")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Never ask: fail with a message if --username or --password is missing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = not options["no_input"] and sys.stdin.isatty()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已就绪 / the database is ready")

        username = self._username(options["username"], interactive)
        email = self._email(options["email"], interactive)
        full_name = options["full_name"]
        if full_name is None:
            full_name = input("姓名 / full name (可不填 / optional): ") if interactive else ""
        candidate = User(username=username, email=email, full_name=full_name.strip())
        password = self._password(options["password"], candidate, interactive)

        try:
            user = account_create_office_admin(
                username=username, password=password, email=email, full_name=full_name.strip()
            )
        except IntegrityError:  # someone took the name since we checked
            raise Abort(
                f"用户名 {username} 已存在，请换一个 / the username {username} is already taken: "
                "choose another"
            ) from None
        self.stdout.write(
            f"已创建委办管理员 {user.username}，请用 gongkai serve 启动后登录 /backoffice/ / "
            f"created the Office administrator {user.username}: start the site with "
            "`gongkai serve` and sign in at /backoffice/"
        )

    def _username(self, given: str | None, interactive: bool) -> str:
        while True:
            if given is None:
                if not interactive:
                    raise Abort(
                        "缺少 --username（或在终端中运行以便输入）/ --username is missing: "
                        "give it, or run in a terminal without --no-input to be asked"
                    )
                given = input("用户名 / username: ")
            username = given.strip()
            problem = ""
            if not username:
                problem = "用户名不能为空 / the username cannot be empty"
            elif User.objects.filter(username=username).exists():
                problem = (
                    f"用户名 {username} 已存在，请换一个 / the username {username} is already "
                    "taken: choose another"
                )
            else:
                try:
                    User._meta.get_field("username").run_validators(username)
                except ValidationError as exc:
                    problem = f"用户名无效 / invalid username: {_messages(exc)}"
            if not problem:
                return username
            if not interactive:
                raise Abort(problem)
            self.stderr.write(problem)
            given = None

    def _email(self, given: str | None, interactive: bool) -> str:
        while True:
            if given is None:
                given = input("电子邮件 / e-mail (可不填 / optional): ") if interactive else ""
            email = given.strip()
            if not email:
                return ""
            try:
                validate_email(email)
            except ValidationError:
                problem = f"电子邮件地址无效 / not a valid e-mail address: {email}"
                if not interactive:
                    raise Abort(problem) from None
                self.stderr.write(problem)
                given = None
            else:
                return email

    def _password(self, given: str | None, user: User, interactive: bool) -> str:
        while True:
            if given is None:
                if not interactive:
                    raise Abort(
                        "缺少 --password（或在终端中运行以便输入）/ --password is missing: "
                        "give it, or run in a terminal without --no-input to be asked"
                    )
                given = getpass.getpass("密码 / password: ")
                if getpass.getpass("再次输入密码 / password again: ") != given:
                    self.stderr.write("两次输入的密码不一致 / the passwords do not match")
                    given = None
                    continue
            try:
                validate_password(given, user=user)
            except ValidationError as exc:
                problem = f"密码不符合要求 / the password is too weak: {_messages(exc)}"
                if not interactive:
                    raise Abort(problem) from None
                self.stderr.write(problem)
                given = None
            else:
                return given
