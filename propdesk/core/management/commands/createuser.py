"""`propdesk createuser USERNAME --name 张三 --project CODE --role cs_staff [--password …]
[--email …] [--superuser]`: create a login with its staff record and a role in one project.

This is the bootstrap path (the first administrator, demo and support accounts), so it acts as
the system rather than as a staff member; day-to-day staff are created in the UI/API through
`propdesk.core.services.people.create_staff`, which checks the actor's permissions. Without
`--password` the command asks for one on a terminal and otherwise generates and prints one.
"""

from __future__ import annotations

import getpass
import secrets
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from propdesk.core import domain
from propdesk.core.models import Membership, Project, Role, Staff
from propdesk.core.services.timeline import record_event


def _project(code: str, company: str | None) -> Project:
    projects = Project.objects.select_related("company").filter(code=code)
    if company:
        projects = projects.filter(company__name=company)
    found = list(projects[:2])
    if not found:
        known = ", ".join(Project.objects.order_by("code").values_list("code", flat=True)) or "-"
        raise CommandError(f"no project with code {code!r} (known codes: {known})")
    if len(found) > 1:
        raise CommandError(f"project code {code!r} exists in several companies; add --company")
    return found[0]


def _role(code: str) -> Role:
    try:
        return Role.objects.get(code=code)
    except Role.DoesNotExist:
        known = ", ".join(Role.objects.values_list("code", flat=True)) or "- (run migrate)"
        raise CommandError(f"no role {code!r} (roles: {known})") from None


class Command(BaseCommand):
    help = "Create a user with a staff record and a role in one project."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="login name")
        parser.add_argument("--name", default="", help="display name, e.g. 张三 (default: login)")
        parser.add_argument("--project", required=True, help="project code")
        parser.add_argument("--company", default=None, help="company name, if codes repeat")
        parser.add_argument(
            "--role", default=None, help="role code, e.g. cs_staff (superuser: company_admin)"
        )
        parser.add_argument("--password", default=None, help="default: ask or generate")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--superuser", action="store_true", help="also a Django superuser (all projects)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        user_model = get_user_model()
        if not username:
            raise CommandError("the login name must not be empty")
        if user_model.objects.filter(username__iexact=username).exists():
            raise CommandError(f"a user named {username!r} already exists")
        project = _project(options["project"], options["company"])
        role_code = options["role"] or ("company_admin" if options["superuser"] else None)
        if role_code is None:
            raise CommandError("--role is required, e.g. --role cs_staff")
        role = _role(role_code)
        name = (options["name"] or username).strip()
        if len(name) > 50:
            raise CommandError("--name: at most 50 characters")
        password, generated = self._password(options["password"])
        try:
            validate_password(password, user=user_model(username=username))
        except ValidationError as exc:
            raise CommandError("password: " + " ".join(exc.messages)) from None

        with transaction.atomic():
            user = user_model.objects.create_user(
                username=username, password=password, email=options["email"]
            )
            if options["superuser"]:
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            pinyin, initials = domain.pinyin_keys(name)
            staff = Staff.objects.create(
                user=user,
                company=project.company,
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                email=options["email"],
            )
            Membership.objects.create(staff=staff, project=project, role=role)
            record_event(
                entity=staff,
                action="staff.created",
                actor=None,
                project_id=project.pk,
                data={"name": name, "role": role.code, "via": "propdesk createuser"},
            )

        admin = " (superuser)" if options["superuser"] else ""
        self.stdout.write(
            f"created {username}{admin}: {name}, {role.name} ({role.code}) in "
            f"{project.name} ({project.code})"
        )
        if generated:
            self.stdout.write(f"password: {password}")

    def _password(self, given: str | None) -> tuple[str, bool]:
        if given:
            return given, False
        if sys.stdin.isatty():
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Password (again): "):
                raise CommandError("the passwords do not match")
            return first, False
        return secrets.token_urlsafe(12), True
