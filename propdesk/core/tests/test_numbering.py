"""Gap-free document numbers (R-GEN-03, SPEC §19): per project, form type and year."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from propdesk.core.errors import ValidationFailed
from propdesk.core.models import DocumentCounter, DocumentType, Project
from propdesk.core.services.numbering import next_number, record_name

ON = dt.date(2026, 3, 2)


def _issue(project: Project, key: str = "complaint", on: dt.date = ON) -> str:
    with transaction.atomic():
        return next_number(project=project, key=key, on=on)


class RecordNotSaved(Exception):
    pass


def _issue_then_fail(project: Project) -> str:
    """Take a number inside a transaction that then fails; return the number it had taken."""
    taken = []
    try:
        with transaction.atomic():
            taken.append(next_number(project=project, key="complaint", on=ON))
            raise RecordNotSaved
    except RecordNotSaved:
        pass
    return taken[0]


def test_r_gen_03_numbers_follow_code_year_sequence(project_a: Project) -> None:
    # given a fresh project, when three complaints are numbered
    numbers = [_issue(project_a) for _ in range(3)]
    # then they count 1, 2, 3 with the form's code and six digits
    assert numbers == ["TS-2026-000001", "TS-2026-000002", "TS-2026-000003"]
    assert (
        DocumentCounter.objects.get(project=project_a, key="complaint", year=2026).last_value == 3
    )


def test_r_gen_03_each_form_and_project_counts_separately(
    project_a: Project, project_b: Project
) -> None:
    assert _issue(project_a, "complaint") == "TS-2026-000001"
    assert _issue(project_a, "contact_sheet") == "LX-2026-000001"
    assert _issue(project_b, "complaint") == "TS-2026-000001"
    assert _issue(project_a, "complaint") == "TS-2026-000002"


def test_r_gen_03_new_year_restarts_the_sequence(project_a: Project) -> None:
    assert _issue(project_a, on=dt.date(2026, 12, 31)) == "TS-2026-000001"
    assert _issue(project_a, on=dt.date(2026, 12, 31)) == "TS-2026-000002"
    assert _issue(project_a, on=dt.date(2027, 1, 1)) == "TS-2027-000001"
    assert _issue(project_a, on=dt.date(2026, 12, 31)) == "TS-2026-000003"


def test_r_gen_03_year_defaults_to_the_local_date(project_a: Project) -> None:
    year = timezone.localdate().year
    with transaction.atomic():
        number = next_number(project=project_a, key="complaint")
    assert number == f"TS-{year}-000001"


def test_r_gen_03_code_and_digits_are_configurable(project_a: Project) -> None:
    DocumentType.objects.filter(project=project_a, key="complaint").update(code="KS", digits=4)
    assert _issue(project_a) == "KS-2026-0001"


def test_r_gen_03_rolled_back_number_is_given_again(project_a: Project) -> None:
    # given a number issued inside a transaction that then fails
    assert _issue(project_a) == "TS-2026-000001"
    assert _issue_then_fail(project_a) == "TS-2026-000002"
    # then the next record gets the same number: no gap
    assert _issue(project_a) == "TS-2026-000002"


def test_r_gen_03_first_number_of_a_year_rolled_back_leaves_no_counter(
    project_a: Project,
) -> None:
    assert _issue_then_fail(project_a) == "TS-2026-000001"
    assert not DocumentCounter.objects.filter(project=project_a).exists()
    assert _issue(project_a) == "TS-2026-000001"


def test_r_gen_03_unknown_form_type_is_rejected_and_writes_nothing(project_a: Project) -> None:
    with pytest.raises(ValidationFailed) as excinfo, transaction.atomic():
        next_number(project=project_a, key="no_such_form", on=ON)
    assert list(excinfo.value.fields) == ["key"]
    assert not DocumentCounter.objects.exists()


def test_r_gen_03_form_type_of_another_project_is_unknown(project_a: Project) -> None:
    # "vip_card" exists only for sales centres; project_a is a residential community
    with pytest.raises(ValidationFailed), transaction.atomic():
        next_number(project=project_a, key="vip_card", on=ON)


@pytest.mark.django_db(transaction=True)
def test_r_gen_03_numbering_outside_a_transaction_is_refused(project_a: Project) -> None:
    with pytest.raises(transaction.TransactionManagementError):
        next_number(project=project_a, key="complaint", on=ON)
    assert not DocumentCounter.objects.exists()


def test_r_gen_03_record_names_use_the_project_prefix(
    project_a: Project, project_b: Project
) -> None:
    assert record_name(project=project_a, key="contact_sheet") == "地王/客服记录-17"
    assert record_name(project=project_a, key="movein_appointment") == "地王/客服记录-01"
    # a project without record_prefix uses its name
    assert record_name(project=project_b, key="contact_sheet") == "江畔小区/客服记录-17"
    assert record_name(project=project_a, key="complaint") == ""
    with pytest.raises(ValidationFailed):
        record_name(project=project_a, key="no_such_form")


def _run_threads(count: int, target: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrapped() -> None:
        try:
            target()
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_r_gen_03_numbers_gap_free_under_concurrency(project_a: Project) -> None:
    # given 8 clerks numbering 25 records each at the same time, the first on a fresh year
    issued: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def clerk() -> None:
        start.wait(timeout=30)
        for _ in range(25):
            number = _issue(project_a)
            with lock:
                issued.append(number)

    errors = _run_threads(8, clerk)
    # then every number is unique and the sequence is exactly 1..200
    assert errors == []
    assert len(issued) == 200
    assert sorted(issued) == [f"TS-2026-{seq:06d}" for seq in range(1, 201)]
    assert (
        DocumentCounter.objects.get(project=project_a, key="complaint", year=2026).last_value == 200
    )


@pytest.mark.django_db(transaction=True)
def test_r_gen_03_concurrent_rollbacks_leave_no_gap(project_a: Project) -> None:
    # given 4 clerks whose every second record fails to save after taking a number
    kept: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def clerk() -> None:
        start.wait(timeout=30)
        for i in range(10):
            try:
                with transaction.atomic():
                    number = next_number(project=project_a, key="complaint", on=ON)
                    if i % 2:
                        raise ValueError("the record could not be saved")
            except ValueError:
                continue
            with lock:
                kept.append(number)

    errors = _run_threads(4, clerk)
    # then the 20 saved records hold exactly 1..20
    assert errors == []
    assert sorted(kept) == [f"TS-2026-{seq:06d}" for seq in range(1, 21)]
