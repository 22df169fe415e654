"""The performance goals of issue 3 that a test can hold without a clock: query counts. The
list and queue reads stay within 8 queries whatever the rows and the policy versions on a page,
an intake POST runs a fixed number of queries and answers from memory, the deadline sweep runs
a fixed number of statements per batch of due rows, the project calendar is read once per
intake, and the periodic job keeps SQLite's planner statistics. The timings themselves are printed by
`bench/complaints.py` (docs/performance.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from propdesk.complaints.models import Complaint
from propdesk.complaints.services.policies import choose_policy, policy_of
from propdesk.core.models import Deadline, Membership, Notification, Role, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services import tokens
from propdesk.core.services.calendar import calendar_for, calendars_cached
from propdesk.core.services.deadlines import sweep_deadlines
from propdesk.core.sweeps import run_all_sweeps
from propdesk.core.tests.factories import ProjectFactory

from .test_sweep_faults import NOW, _many_overdue

pytestmark = pytest.mark.django_db

LIST_QUERIES = 8  # issue 3 "Performance": ≤ 8 queries at any table size
# token, permissions, project, policy settings, policy version, calendar (2), receiver's roles,
# number (3), insert, actor's role, event, escalation contact, timer (+ BEGIN/COMMIT on SQLite)
INTAKE_QUERIES = 18


class Api:
    def __init__(self, client: Any, staff: Any) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers
        )


def _intake(project: Any, **data: Any) -> dict[str, Any]:
    return {
        "project": project.pk,
        "kind": "complaint",
        "channel": "visit",
        "complainant_name": "张三",
        "phone": "13812345678",
        "content": "楼上漏水，天花板渗水已经三天",
        **data,
    }


def _two_policies(pcs_team, community, person, receive, rows: int) -> Any:
    """`rows` PCS complaints in the community and `rows` SO complaints in a sales office of
    the same company, all handled by the butler (a salesperson in the office too)."""
    butler = pcs_team["butler"]
    office = ProjectFactory(
        code="so", name="滨江售楼部", kind="sales_centre", company=community.company
    )
    director = person(office, "sales_director", "售楼处经理")
    choose_policy(actor=director, project_id=office.pk, code="SO")
    person(office, "sales_supervisor", "售楼主管")
    person(office, "deputy_gm", "副总经理")
    Membership.objects.create(
        staff=butler, project=office, role=Role.objects.get(code="salesperson")
    )
    for n in range(rows):
        receive(butler, community, content=f"漏水{n}", handler_id=butler.pk)
        receive(butler, office, content=f"样板间不符{n}", handler_id=butler.pk)
    return office


@pytest.mark.parametrize("rows", [2, 12])
def test_list_and_queue_api_stay_within_8_queries_under_several_policy_versions(
    client, pcs_team, community, person, receive, rows, django_assert_max_num_queries
) -> None:
    _two_policies(pcs_team, community, person, receive, rows)
    butler = Api(client, pcs_team["butler"])
    expected = {c.pk: policy_of(c.policy).level(c.level).label for c in Complaint.objects.all()}
    for path in ("/complaints", "/complaints/queue"):
        with django_assert_max_num_queries(LIST_QUERIES):
            response = butler.get(path, page_size=100)
        body = response.json()
        assert body["count"] == 2 * rows
        # the level labels come from each row's own policy version (PCS and SO differ)
        assert {r["id"]: r["level_label"] for r in body["results"]} == expected
        assert all(r["next_due_at"] for r in body["results"])


def test_queue_count_is_a_plain_count_without_timers_or_distinct(
    client, pcs_team, community, person, receive
) -> None:
    _two_policies(pcs_team, community, person, receive, 2)
    butler = Api(client, pcs_team["butler"])
    with CaptureQueriesContext(connection) as ctx:
        assert butler.get("/complaints/queue").json()["count"] == 4
    (count,) = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert "DISTINCT" not in count
    assert "core_deadline" not in count


def test_intake_post_runs_a_fixed_number_of_queries_and_answers_from_memory(
    client, pcs_team, community, django_assert_max_num_queries
) -> None:
    butler = Api(client, pcs_team["butler"])
    assert butler.post("/complaints", _intake(community)).status_code == 201  # warm caches
    with django_assert_max_num_queries(INTAKE_QUERIES) as ctx:
        response = butler.post("/complaints", _intake(community, subject="第二件"))
    assert response.status_code == 201
    # the calendar is read once, the answer's due time is not read back
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "core_businesshours"' in sql for sql in sqls) == 1
    assert not any(sql.startswith("SELECT") and 'FROM "core_deadline"' in sql for sql in sqls)
    body = response.json()
    nearest = (
        Deadline.objects.filter(object_id=str(body["id"]), state=DeadlineState.OPEN)
        .order_by("due_at")
        .first()
    )
    assert nearest is not None
    answered = dt.datetime.fromisoformat(body["next_due_at"])
    assert abs(answered - nearest.due_at) < dt.timedelta(milliseconds=1)  # JSON keeps ms
    assert body["next_due_label"] == nearest.label
    assert nearest.escalate_to == pcs_team["supervisor"]  # the supervisor's slot comes first


def test_r_gen_08_sweep_runs_a_fixed_number_of_statements_per_batch(
    pcs_team, community, django_assert_max_num_queries
) -> None:
    # R-GEN-08
    count = 40
    ids = _many_overdue(community, pcs_team["butler"], pcs_team["manager"], count)
    # per batch: the read, one conditional UPDATE for every row, the notices, the events (and
    # BEGIN/COMMIT on SQLite); then the empty reads that end both steps
    with django_assert_max_num_queries(10):
        assert sweep_deadlines(now=NOW) == count
    assert Deadline.objects.filter(pk__in=ids, overdue_at=NOW).count() == count
    assert Notification.objects.filter(event="deadline.overdue").count() == count
    assert Notification.objects.filter(event="deadline.escalated").count() == count
    assert TimelineEvent.objects.filter(action="deadline.overdue").count() == count
    assert sweep_deadlines(now=NOW + dt.timedelta(minutes=1)) == 0


def test_calendar_is_read_once_inside_a_cached_block(community, django_assert_num_queries) -> None:
    with django_assert_num_queries(2), calendars_cached():
        first = calendar_for(community.pk)
        with calendars_cached():  # nested: shares the outer block's cache
            assert calendar_for(community.pk) is first
    with django_assert_num_queries(2):
        assert calendar_for(community.pk) == first  # outside a block: read again


def test_periodic_job_keeps_sqlite_planner_statistics(pcs_team, community, receive) -> None:
    receive(pcs_team["butler"], community, when=timezone.now())
    first = run_all_sweeps()["complaints.sqlite_optimize"]
    if connection.vendor != "sqlite":
        assert first == 0  # PostgreSQL's autovacuum keeps statistics
        return
    assert first == 1  # the first run gathers statistics
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analysed = {row[0] for row in cursor.fetchall()}
    assert {"complaints_complaint", "core_deadline"} <= analysed
    assert run_all_sweeps()["complaints.sqlite_optimize"] == 0  # then PRAGMA optimize
