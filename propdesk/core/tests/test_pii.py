"""ID-card numbers encrypted at rest (R-GEN-09, PIPL): the raw column holds no clear number, the
keyed hash serves lookup and uniqueness, masking holds through UI and API for a role without
`personal_data.view`, key rotation with `propdesk rotate-pii-key`, the deploy check, and the
data migration that encrypts existing rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse

from propdesk.conftest import login
from propdesk.core import crypto, selectors
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Resident
from propdesk.core.services import masterdata, pii, tokens
from propdesk.core.tests.factories import ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"
ID_NUMBER = make_id_number(123, birth=dt.date(1980, 1, 4))  # 110105198001041234
OLD_KEY = "Zm9yLXRlc3RzLW9ubHktb2xkLWtleS0wMDAwMDAwMDA="  # 32 bytes, url-safe base64
NEW_KEY = "Zm9yLXRlc3RzLW9ubHktbmV3LWtleS0xMTExMTExMTE="


def _raw_row(pk: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select id_number, id_number_hash, id_number_tail from core_resident where id = %s",
            [pk],
        )
        return cursor.fetchone()


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- encryption at rest ---------------------------------------------------------------------
def test_r_gen_09_raw_column_holds_no_clear_id_number(clerk_a, project_a):
    # given a resident registered through the service
    resident = masterdata.create_resident(
        actor=clerk_a, project_id=project_a.pk, data={"name": "张三", "id_number": ID_NUMBER}
    )
    # then the column holds an authenticated token, never the number or its digits in a row
    token, digest, tail = _raw_row(resident.pk)
    assert ID_NUMBER not in token
    assert ID_NUMBER[:6] not in token
    assert ID_NUMBER[6:14] not in token
    assert token.startswith("gAAAAA")  # Fernet version byte, base64
    assert crypto.decrypt(token) == ID_NUMBER
    assert ID_NUMBER not in digest
    assert len(digest) == 64
    assert tail == "1234"
    # and the model still reads clear text
    assert Resident.objects.get(pk=resident.pk).id_number == ID_NUMBER
    assert list(Resident.objects.filter(pk=resident.pk).values_list("id_number", flat=True)) == [
        ID_NUMBER
    ]


def test_same_number_encrypts_differently_but_hashes_the_same(project_a):
    first = ResidentFactory(project=project_a, id_number=ID_NUMBER)
    second = ResidentFactory(project=ResidentFactory().project, id_number=ID_NUMBER)
    assert _raw_row(first.pk)[0] != _raw_row(second.pk)[0]
    assert _raw_row(first.pk)[1] == _raw_row(second.pk)[1] == crypto.lookup_hash(ID_NUMBER)


def test_empty_id_number_stays_empty(project_a):
    resident = ResidentFactory(project=project_a, id_number="")
    assert _raw_row(resident.pk) == ("", "", "")


def test_tampered_token_is_refused(project_a):
    resident = ResidentFactory(project=project_a, id_number=ID_NUMBER)
    token = _raw_row(resident.pk)[0]
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    with connection.cursor() as cursor:
        cursor.execute(
            "update core_resident set id_number = %s where id = %s", [forged, resident.pk]
        )
    with pytest.raises(crypto.UndecryptableValue):
        Resident.objects.get(pk=resident.pk)


def test_comparing_the_encrypted_column_is_refused():
    # a ciphertext differs on every save: equality on it would silently never match
    with pytest.raises(FieldError):
        list(Resident.objects.filter(id_number=ID_NUMBER))
    with pytest.raises(FieldError):
        list(Resident.objects.filter(id_number__endswith="1234"))


def test_update_fields_keeps_hash_and_tail_in_step(project_a):
    resident = ResidentFactory(project=project_a, id_number=ID_NUMBER)
    other = make_id_number(456)
    resident.id_number = other
    resident.save(update_fields=["id_number"])
    _token, digest, tail = _raw_row(resident.pk)
    assert (digest, tail) == (crypto.lookup_hash(other), other[-4:])


def test_uniqueness_per_project_goes_through_the_hash(clerk_a, project_a):
    masterdata.create_resident(
        actor=clerk_a, project_id=project_a.pk, data={"name": "张三", "id_number": ID_NUMBER}
    )
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_resident(
            actor=clerk_a,
            project_id=project_a.pk,
            data={"name": "张三", "id_number": ID_NUMBER.lower()},  # an x is the same number
        )
    assert list(exc.value.fields) == ["id_number"]
    assert Resident.objects.filter(project=project_a).count() == 1


def test_database_constraint_rejects_a_duplicate_hash(project_a):
    from django.db import IntegrityError, transaction

    ResidentFactory(project=project_a, id_number=ID_NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(project=project_a, id_number=ID_NUMBER)


# --- search -------------------------------------------------------------------------------
def test_search_by_whole_number_and_by_last_four(clerk_a, engineer_a, project_a):
    zhang = ResidentFactory(project=project_a, name="张三", id_number=ID_NUMBER)
    ResidentFactory(project=project_a, name="李四", id_number=make_id_number(777))

    def found(actor, q):
        filters = selectors.ResidentFilters(q=q, project=project_a.pk)
        return [r.pk for r in selectors.list_residents(actor, filters)]

    assert found(clerk_a, ID_NUMBER) == [zhang.pk]
    assert found(clerk_a, ID_NUMBER[-4:]) == [zhang.pk]
    assert found(clerk_a, ID_NUMBER[-6:]) == []  # only the last four are kept in clear
    # a role that may not see ID numbers cannot test whether a number belongs to a resident
    assert found(engineer_a, ID_NUMBER) == []
    assert found(engineer_a, ID_NUMBER[-4:]) == []


def test_search_by_a_number_ending_in_x(clerk_a, project_a):
    number = next(make_id_number(n) for n in range(200) if make_id_number(n).endswith("X"))
    resident = ResidentFactory(project=project_a, id_number=number)
    for q in (number, number.lower(), number[-4:].lower()):
        filters = selectors.ResidentFilters(q=q, project=project_a.pk)
        assert [r.pk for r in selectors.list_residents(clerk_a, filters)] == [resident.pk]


# --- masking through the UI and the API (role without personal_data.view) -----------------
def test_r_gen_09_masked_for_engineer_in_ui_and_api(client, engineer_a, project_a):
    resident = ResidentFactory(project=project_a, mobile=MOBILE, id_number=ID_NUMBER)
    # UI: list, detail
    login(client, engineer_a)
    pages = [
        _html(client.get(reverse("core:resident_list"))),
        _html(client.get(reverse("core:resident_detail", args=[resident.pk]))),
    ]
    for page in pages:
        assert MOBILE not in page
        assert ID_NUMBER not in page
    assert "138****5678" in pages[0]
    assert "110***********1234" in pages[1]
    # API: list, detail
    headers = {"Authorization": f"Bearer {tokens.create_token(user=engineer_a.user)[1]}"}
    listed = client.get("/api/v1/residents", headers=headers).json()["results"][0]
    detail = client.get(f"/api/v1/residents/{resident.pk}", headers=headers).json()
    for body in (listed, detail):
        assert (body["mobile"], body["id_number"]) == ("138****5678", "110***********1234")


# --- key rotation -------------------------------------------------------------------------
def test_rotation_makes_rows_readable_with_only_the_new_key(project_a):
    # given rows written under the old key
    with override_settings(PII_KEYS=[OLD_KEY]):
        residents = [
            ResidentFactory(project=project_a, id_number=make_id_number(n)) for n in range(3)
        ]
        ResidentFactory(project=project_a, id_number="")
        old_tokens = [_raw_row(r.pk)[0] for r in residents]
    # when the new key is put first and the command runs
    with override_settings(PII_KEYS=[NEW_KEY, OLD_KEY]):
        out = io.StringIO()
        call_command("rotate_pii_key", "--batch-size", "2", stdout=out)
        assert out.getvalue().strip() == "re-encrypted rows: 3 (under an older key before: 3)"
        assert pii.stale_rows() == 0
    # then the old key can go: every row reads with the new key alone
    with override_settings(PII_KEYS=[NEW_KEY]):
        for resident, old in zip(residents, old_tokens, strict=True):
            assert Resident.objects.get(pk=resident.pk).id_number == resident.id_number
            assert _raw_row(resident.pk)[0] != old
    # and the old key alone reads nothing any more
    with override_settings(PII_KEYS=[OLD_KEY]), pytest.raises(crypto.UndecryptableValue):
        Resident.objects.get(pk=residents[0].pk)


def test_rotation_check_reports_stale_rows(project_a):
    with override_settings(PII_KEYS=[OLD_KEY]):
        ResidentFactory(project=project_a, id_number=ID_NUMBER)
    with override_settings(PII_KEYS=[NEW_KEY, OLD_KEY]):
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("rotate_pii_key", "--check", stdout=out)
        assert out.getvalue().strip() == "stale rows: 1"


def test_rotation_with_a_missing_key_fails_and_changes_nothing(project_a):
    with override_settings(PII_KEYS=[OLD_KEY]):
        resident = ResidentFactory(project=project_a, id_number=ID_NUMBER)
    before = _raw_row(resident.pk)
    with override_settings(PII_KEYS=[NEW_KEY]), pytest.raises(CommandError):
        call_command("rotate_pii_key", stdout=io.StringIO())
    assert _raw_row(resident.pk) == before


def test_new_hash_key_is_applied_by_rotation(project_a, clerk_a):
    resident = ResidentFactory(project=project_a, id_number=ID_NUMBER)
    with override_settings(PII_HASH_KEY="a-new-hash-key-for-this-test-only"):
        call_command("rotate_pii_key", stdout=io.StringIO())
        assert _raw_row(resident.pk)[1] == crypto.lookup_hash(ID_NUMBER)
        filters = selectors.ResidentFilters(q=ID_NUMBER, project=project_a.pk)
        assert [r.pk for r in selectors.list_residents(clerk_a, filters)] == [resident.pk]


def test_generate_prints_a_usable_key():
    out = io.StringIO()
    call_command("rotate_pii_key", "--generate", stdout=out)
    key = out.getvalue().strip()
    with override_settings(PII_KEYS=[key]):
        assert crypto.decrypt(crypto.encrypt(ID_NUMBER)) == ID_NUMBER


# --- configuration ------------------------------------------------------------------------
def test_deploy_check_warns_only_while_keys_are_derived():
    with override_settings(PII_KEYS=[], PII_HASH_KEY=""):
        assert {m.id for m in crypto.check_pii_keys()} == {
            "propdesk_pii.W001",
            "propdesk_pii.W002",
        }
    with override_settings(PII_KEYS=[NEW_KEY], PII_HASH_KEY="x" * 40):
        assert crypto.check_pii_keys() == []
    with override_settings(PII_KEYS=["not-a-key"], PII_HASH_KEY="x" * 40):
        assert [m.id for m in crypto.check_pii_keys()] == ["propdesk_pii.E001"]


def test_derived_key_differs_from_hash_key_and_follows_secret_key():
    with override_settings(PII_KEYS=[], SECRET_KEY="one-secret-key-for-this-test-0123456789"):
        first = crypto.encryption_keys()
        hash_one = crypto.lookup_hash(ID_NUMBER)
    with override_settings(PII_KEYS=[], SECRET_KEY="another-secret-key-for-this-test-98765"):
        assert crypto.encryption_keys() != first
        assert crypto.lookup_hash(ID_NUMBER) != hash_one


# --- the data migration ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_rows_and_reverses():
    before, after = (
        ("core", "0003_deadline_deadline_entity_open_due"),
        (
            "core",
            "0004_resident_id_number_encrypted",
        ),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old_apps = executor.loader.project_state([before]).apps
        Company = old_apps.get_model("core", "Company")
        Project = old_apps.get_model("core", "Project")
        OldResident = old_apps.get_model("core", "Resident")
        project = Project.objects.create(
            company=Company.objects.create(name="迁移测试物业"),
            code="m",
            name="迁移",
            kind="residential",
        )
        clear = OldResident.objects.create(project=project, name="张三", id_number=ID_NUMBER)
        OldResident.objects.create(project=project, name="李四", id_number="")
        # forwards: encrypted, hashed, tail kept
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        token, digest, tail = _raw_row(clear.pk)
        assert ID_NUMBER not in token
        assert crypto.decrypt(token) == ID_NUMBER
        assert (digest, tail) == (crypto.lookup_hash(ID_NUMBER), "1234")
        # backwards: the clear number comes back
        executor = MigrationExecutor(connection)
        executor.migrate([before])
        with connection.cursor() as cursor:
            cursor.execute("select id_number from core_resident where id = %s", [clear.pk])
            assert cursor.fetchone()[0] == ID_NUMBER
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
