"""Use cases of the sales-centre floor (SPEC §3–§4): the only code that changes visits, VIP rooms
and intercom calls. Every public service is keyword-only, takes `actor: Staff`, checks access
through `propdesk.core.access` (reception.view / operate / supervise) and the acting post (the
actor's membership post), asks the pure rules in `propdesk.reception.domain`, writes in one
transaction with row locks, logs the timeline and pushes the change to the screens after commit
(`propdesk.reception.realtime`).

Modules: `visits` (start, details, journey steps, the capacity answer), `calls` (send,
acknowledge, complete, the unanswered-call sweep), `rooms` (set-up, allocation, ready, release,
clean), `dispatch` (the call log itself) and `common` (posts, settings, locks, errors).
The rotation queue (SPEC §5): `rotation_setup` (groups, rest days, day plans), `rotation`
(open/close a day, report the floor's events, the board) and `rotation_report` (RPT-01); client
cards and appointments: `cards`, `appointments`.
"""

from propdesk.reception.services.calls import acknowledge_call as acknowledge_call
from propdesk.reception.services.calls import complete_call as complete_call
from propdesk.reception.services.calls import reannounce_due_calls as reannounce_due_calls
from propdesk.reception.services.calls import send_call as send_call
from propdesk.reception.services.common import acting_post as acting_post
from propdesk.reception.services.common import posts_of as posts_of
from propdesk.reception.services.rooms import create_room as create_room
from propdesk.reception.services.rooms import mark_room_clean as mark_room_clean
from propdesk.reception.services.rooms import mark_room_ready as mark_room_ready
from propdesk.reception.services.rooms import release_room as release_room
from propdesk.reception.services.rooms import request_room as request_room
from propdesk.reception.services.visits import advance_visit as advance_visit
from propdesk.reception.services.visits import answer_capacity as answer_capacity
from propdesk.reception.services.visits import start_visit as start_visit
from propdesk.reception.services.visits import update_visit as update_visit
