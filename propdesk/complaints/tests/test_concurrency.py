"""Two clerks acting on the same complaint at once (issue 3 "Correctness under pressure").

Real threads, each with its own database connection (closed when the thread ends), against a
database committed between steps (`transaction=True`). The first thread is stalled inside the
service *after* it has locked the complaint row, and only then is the second thread started:
the second must wait for the lock (SELECT … FOR UPDATE) and then see the first one's result.
Without the row lock both would read the old state and both would succeed.

These need PostgreSQL's row locks and run when DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from propdesk.complaints.models import Complaint, ContactSheet, SheetState
from propdesk.complaints.services import actions, engine, intake
from propdesk.complaints.workflows import State
from propdesk.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import Project, Staff
from propdesk.core.services.timeline import timeline_of

from .conftest import WORKING

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

STALL = 0.5  # seconds the first thread holds the row lock


def _in_thread(call: Callable[[], Any], results: list[Any], index: int) -> threading.Thread:
    def run() -> None:
        try:
            results[index] = call()
        except BaseException as exc:  # reported to the test thread
            results[index] = exc
        finally:
            connection.close()

    return threading.Thread(target=run)


def race(
    monkeypatch: pytest.MonkeyPatch, first: Callable[[], Any], second: Callable[[], Any]
) -> list[Any]:
    """Run `first` until it holds the complaint's row lock (it has reached `engine.apply`),
    start `second`, let `first` go on after STALL seconds; return both outcomes (a result or
    the exception raised)."""
    holding = threading.Event()
    original = engine.apply

    def stalled_apply(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is threads[0]:
            holding.set()
            time.sleep(STALL)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "apply", stalled_apply)
    results: list[Any] = [None, None]
    threads = [_in_thread(first, results, 0), _in_thread(second, results, 1)]
    threads[0].start()
    assert holding.wait(timeout=30)
    started = time.monotonic()
    threads[1].start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    # The second had to wait for the first one's commit.
    assert time.monotonic() - started >= STALL * 0.8
    return results


def _fresh(staff: Staff) -> Staff:
    """The thread's own copy (no shared cached permissions or related objects)."""
    return Staff.objects.select_related("user").get(pk=staff.pk)


def test_two_clerks_classifying_at_once_one_wins_the_other_is_refused(
    monkeypatch: pytest.MonkeyPatch, pcs_team: dict[str, Staff], community: Project, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)

    def classify(level: str, who: str) -> Callable[[], Complaint]:
        return lambda: actions.classify(
            actor=_fresh(pcs_team[who]), complaint_id=complaint.pk, level=level
        )

    results = race(monkeypatch, classify("important", "butler"), classify("general", "supervisor"))
    assert isinstance(results[0], Complaint)
    assert isinstance(results[1], TransitionNotAllowed)  # already classified
    complaint.refresh_from_db()
    assert (complaint.state, complaint.level, complaint.version) == (
        State.CLASSIFIED,
        "important",
        2,
    )
    assert timeline_of(complaint).filter(action="complaint.classified").count() == 1


def test_two_clerks_with_the_same_form_version_the_second_gets_a_conflict(
    monkeypatch: pytest.MonkeyPatch, pcs_team: dict[str, Staff], community: Project, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    version = complaint.version

    def contact(who: str) -> Callable[[], Complaint]:
        # A logged action: without the version check both would be accepted.
        return lambda: actions.contact(
            actor=_fresh(pcs_team[who]),
            complaint_id=complaint.pk,
            note=f"{who} 已致电业主",
            expected_version=version,
        )

    results = race(monkeypatch, contact("butler"), contact("supervisor"))
    assert isinstance(results[0], Complaint)
    assert isinstance(results[1], Conflict)
    complaint.refresh_from_db()
    assert complaint.version == version + 1
    assert timeline_of(complaint).filter(action="complaint.contacted").count() == 1


def test_two_clerks_closing_at_once_close_it_once(
    monkeypatch: pytest.MonkeyPatch, pcs_team: dict[str, Staff], community: Project, receive
) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    actions.explain(actor=butler, complaint_id=complaint.pk, reason="属市政管网问题，已解释")

    def close(who: str) -> Callable[[], Complaint]:
        return lambda: actions.close(actor=_fresh(pcs_team[who]), complaint_id=complaint.pk)

    results = race(monkeypatch, close("butler"), close("manager"))
    assert isinstance(results[0], Complaint)
    assert isinstance(results[1], TransitionNotAllowed)
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED
    assert timeline_of(complaint).filter(action="complaint.closed").count() == 1


def test_two_clerks_transferring_at_once_issue_one_sheet(
    monkeypatch: pytest.MonkeyPatch, pcs_team: dict[str, Staff], community: Project, receive
) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    actions.verify(actor=butler, complaint_id=complaint.pk)
    engineering = community.departments.get(code="engineering")

    def transfer(who: str) -> Callable[[], Complaint]:
        return lambda: actions.transfer(
            actor=_fresh(pcs_team[who]),
            complaint_id=complaint.pk,
            data={"department_id": engineering.pk, "requirement": "今日上门"},
        )

    results = race(monkeypatch, transfer("butler"), transfer("supervisor"))
    assert isinstance(results[0], Complaint)
    assert isinstance(results[1], ValidationFailed)  # that department already has the sheet
    assert list(results[1].fields) == ["department_id"]
    sheets = ContactSheet.objects.filter(complaint=complaint)
    assert [(s.state, s.department_id) for s in sheets] == [(SheetState.ISSUED, engineering.pk)]
    assert timeline_of(complaint).filter(action="complaint.transferred").count() == 1


def test_two_approvers_approving_one_sheet_approve_it_once(
    monkeypatch: pytest.MonkeyPatch,
    lh_team: dict[str, Staff],
    sales_centre: Project,
    person: Callable[..., Staff],
    receive,
) -> None:
    club = lh_team["club"]
    second_approver = person(sales_centre, "marketing_manager", "第二策划经理", "marketing")
    complaint = receive(club, sales_centre)
    actions.classify(actor=club, complaint_id=complaint.pk, level="general")
    actions.verify(actor=club, complaint_id=complaint.pk)
    engineering = sales_centre.departments.get(code="engineering")
    sheet = actions.draft_contact_sheet(
        actor=club, complaint_id=complaint.pk, data={"department_id": engineering.pk}
    )
    holding = threading.Event()
    original = engine.slots_of

    def stalled_slots(*args: Any, **kwargs: Any) -> Any:  # reached under the complaint's lock
        if threading.current_thread() is threads[0] and not holding.is_set():
            holding.set()
            time.sleep(STALL)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "slots_of", stalled_slots)
    results: list[Any] = [None, None]
    threads = [
        _in_thread(
            lambda who=who: actions.approve_contact_sheet(actor=_fresh(who), sheet_id=sheet.pk),
            results,
            i,
        )
        for i, who in enumerate((lh_team["approver"], second_approver))
    ]
    threads[0].start()
    assert holding.wait(timeout=30)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=60)
    assert isinstance(results[1], TransitionNotAllowed)
    sheet.refresh_from_db()
    assert (sheet.state, sheet.approved_by) == (SheetState.APPROVED, lh_team["approver"])
    assert timeline_of(complaint).filter(action="complaint.sheet_approved").count() == 1


def test_twenty_clerks_receiving_at_once_get_twenty_gap_free_numbers(
    pcs_team: dict[str, Staff], community: Project
) -> None:
    count = 20
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def receive_one(n: int) -> Callable[[], Complaint]:
        def call() -> Complaint:
            actor = _fresh(pcs_team["butler"])
            start.wait(timeout=30)
            return intake.receive(
                actor=actor,
                project_id=community.pk,
                data={
                    "kind": "complaint",
                    "channel": "visit",
                    "complainant_name": f"业主{n}",
                    "content": f"第{n}号投诉",
                },
                at=WORKING,
            )

        return call

    threads = [_in_thread(receive_one(n), results, n) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(r, Complaint) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == [f"TS-2026-{n:06d}" for n in range(1, count + 1)]
    assert Complaint.objects.count() == count
    stored = Complaint.objects.values_list("pk", flat=True)
    for pk in stored:
        complaint = Complaint.objects.get(pk=pk)
        assert timeline_of(complaint).filter(action="complaint.received").count() == 1


def test_batches_and_single_intakes_at_once_get_consecutive_gap_free_numbers(
    pcs_team: dict[str, Staff], community: Project
) -> None:
    """R-GEN-03: a batch takes its block of numbers under the same counter lock as one intake;
    four batches of ten and four single intakes at once leave no gap and no duplicate, and each
    batch's numbers are consecutive in the order given."""
    clerks = 8
    start = threading.Barrier(clerks)
    results: list[Any] = [None] * clerks

    def item(n: int, i: int) -> dict[str, Any]:
        return {"kind": "complaint", "channel": "phone", "complainant_name": f"业主{n}-{i}",
                "content": f"第{n}批第{i}条"}  # fmt: skip

    def clerk(n: int) -> Callable[[], list[Complaint]]:
        def call() -> list[Complaint]:
            actor = _fresh(pcs_team["butler"])
            start.wait(timeout=30)
            if n % 2:
                data = item(n, 0)
                return [intake.receive(actor=actor, project_id=community.pk, data=data, at=WORKING)]
            items = [item(n, i) for i in range(10)]
            return intake.receive_many(
                actor=actor, project_id=community.pk, items=items, at=WORKING
            )

        return call

    threads = [_in_thread(clerk(n), results, n) for n in range(clerks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(r, list) for r in results), results
    numbers = sorted(c.number for r in results for c in r)
    assert numbers == [f"TS-2026-{n:06d}" for n in range(1, 45)]
    for batch in results[::2]:
        seqs = [int(c.number[-6:]) for c in batch]
        assert seqs == list(range(seqs[0], seqs[0] + 10))
    assert Complaint.objects.count() == 44
