"""Visitors reported at the same instant on PostgreSQL (issue 4: "two visitors assigned at the same
instant never get the same salesperson, and no turn is lost").

Real threads, each with its own connection, against committed data. `rotation.report` locks the
day's row before it replays and decides, so simultaneous reports queue; each sees the others'
receptions as busy. SQLite serialises writers with BEGIN IMMEDIATE instead.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from propdesk.core.models import Staff
from propdesk.reception.models import RotaDay, TurnRecord
from propdesk.reception.services import rotation
from propdesk.reception.tests.rota import DAY, minute, open_, who

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_r_rota_16_simultaneous_visitors_never_share_a_salesperson(rota: dict[str, Any]):
    # R-ROTA-16
    open_(rota)
    manager = Staff.objects.get(pk=rota["manager"].pk)
    barrier = threading.Barrier(4)
    results: list[Any] = [None] * 4

    def visitor(index: int) -> None:
        try:
            barrier.wait()
            # a fresh process cache per thread would hide nothing: the lock decides the order
            results[index] = rotation.report(
                actor=manager,
                project_id=rota["project"].pk,
                event="visit",
                data={"ref": f"V-{index}"},
                now=minute(5),
            )
        except BaseException as exc:  # handed to the test thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assignees = [who(rota, r.decision.assignee) for r in results]
    # group A's three salespeople each receive one party; the fourth goes to phone support
    assert sorted(a for a in assignees if a.startswith("甲")) == ["甲1", "甲2", "甲3"]
    assert len(set(assignees)) == len([a for a in assignees if a]) == 4
    seqs = sorted(TurnRecord.objects.values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4]
    assert RotaDay.objects.get(day=DAY).seq == 4
