"""Pure rules of the sales-centre floor (案场接待, SPEC §3–§5): visits and their journey across
the posts, VIP rooms, taxis, intercom calls (对讲机统一说辞) and the rotation queue. No Django, no
I/O; the current time is passed in.

Modules: `radio` (R-RADIO-01..21: standard scripts, routing, call states, timeout, response
times), `visits` (R-SITE-01..20: journey table, step effects, taxi), `duties` (what each post
does next and the standard phrase to say), `rooms` (VIP-room states, R-SITE-15..18). Names are
re-exported below as `X as X` (explicit re-exports), so each module's block can be appended
independently.
"""

# Intercom calls, visits and VIP rooms: R-RADIO-01..21 and R-SITE-01..20.
from propdesk.reception.domain.duties import Duty as Duty
from propdesk.reception.domain.duties import SiteScript as SiteScript
from propdesk.reception.domain.duties import duties as duties
from propdesk.reception.domain.radio import BROADCAST as BROADCAST
from propdesk.reception.domain.radio import SYSTEM as SYSTEM
from propdesk.reception.domain.radio import TEMPLATES as TEMPLATES
from propdesk.reception.domain.radio import CallState as CallState
from propdesk.reception.domain.radio import CapacityAnswer as CapacityAnswer
from propdesk.reception.domain.radio import Dispatch as Dispatch
from propdesk.reception.domain.radio import PostCode as PostCode
from propdesk.reception.domain.radio import RadioError as RadioError
from propdesk.reception.domain.radio import RadioSettings as RadioSettings
from propdesk.reception.domain.radio import ResponseStats as ResponseStats
from propdesk.reception.domain.radio import Template as Template
from propdesk.reception.domain.radio import compose as compose
from propdesk.reception.domain.radio import due_for_reannounce as due_for_reannounce
from propdesk.reception.domain.radio import next_call_state as next_call_state
from propdesk.reception.domain.radio import render as render
from propdesk.reception.domain.radio import response_stats_by_post as response_stats_by_post
from propdesk.reception.domain.rooms import RoomError as RoomError
from propdesk.reception.domain.rooms import RoomState as RoomState
from propdesk.reception.domain.rooms import VipRoom as VipRoom
from propdesk.reception.domain.rooms import allocate_room as allocate_room
from propdesk.reception.domain.rooms import apply_room as apply_room

# Rotation queue (接待规则, SPEC §5, R-ROTA-01..17): `rotation_roster` (the day's DayRoster,
# R-ROTA-01..05), `rotation_model` (codes, state, events, Decision), `rotation` (the engine:
# open_day, decide, close_day; R-ROTA-05..13, 16), `rotation_report` (接待轮次日报 RPT-01 and the
# rotation board, R-ROTA-17), `rotation_appointments` (R-ROTA-02, 14, 15).
from propdesk.reception.domain.rotation import close_day as close_day
from propdesk.reception.domain.rotation import decide as decide
from propdesk.reception.domain.rotation import next_supporter as next_supporter
from propdesk.reception.domain.rotation import open_day as open_day
from propdesk.reception.domain.rotation import peek as peek
from propdesk.reception.domain.rotation import replay as replay
from propdesk.reception.domain.rotation import standby_count as standby_count
from propdesk.reception.domain.rotation_appointments import (
    check_new_appointment as check_new_appointment,
)
from propdesk.reception.domain.rotation_appointments import (
    suggest_quiet_slots as suggest_quiet_slots,
)
from propdesk.reception.domain.rotation_model import COUNTS_AS_TURN as COUNTS_AS_TURN
from propdesk.reception.domain.rotation_model import REASON_LABELS as REASON_LABELS
from propdesk.reception.domain.rotation_model import Carry as Carry
from propdesk.reception.domain.rotation_model import CheckIn as CheckIn
from propdesk.reception.domain.rotation_model import CheckOut as CheckOut
from propdesk.reception.domain.rotation_model import Decision as Decision
from propdesk.reception.domain.rotation_model import DecisionKind as DecisionKind
from propdesk.reception.domain.rotation_model import IncomingCall as IncomingCall
from propdesk.reception.domain.rotation_model import Mark as Mark
from propdesk.reception.domain.rotation_model import Notice as Notice
from propdesk.reception.domain.rotation_model import NoticeCode as NoticeCode
from propdesk.reception.domain.rotation_model import Outcome as Outcome
from propdesk.reception.domain.rotation_model import Pass as Pass
from propdesk.reception.domain.rotation_model import PassReason as PassReason
from propdesk.reception.domain.rotation_model import QueueKind as QueueKind
from propdesk.reception.domain.rotation_model import ReasonCode as ReasonCode
from propdesk.reception.domain.rotation_model import RotationEvent as RotationEvent
from propdesk.reception.domain.rotation_model import RotationQueue as RotationQueue
from propdesk.reception.domain.rotation_model import RotationState as RotationState
from propdesk.reception.domain.rotation_model import SupportEnded as SupportEnded
from propdesk.reception.domain.rotation_model import SupportRequested as SupportRequested
from propdesk.reception.domain.rotation_model import Via as Via
from propdesk.reception.domain.rotation_model import VisitArrived as VisitArrived
from propdesk.reception.domain.rotation_model import VisitEnded as VisitEnded
from propdesk.reception.domain.rotation_model import VisitPurpose as VisitPurpose
from propdesk.reception.domain.rotation_report import Board as Board
from propdesk.reception.domain.rotation_report import DaySummary as DaySummary
from propdesk.reception.domain.rotation_report import PersonDaySummary as PersonDaySummary
from propdesk.reception.domain.rotation_report import queue_board as queue_board
from propdesk.reception.domain.rotation_report import summarise_day as summarise_day
from propdesk.reception.domain.rotation_roster import DayRoster as DayRoster
from propdesk.reception.domain.rotation_roster import DutyShift as DutyShift
from propdesk.reception.domain.rotation_roster import DutyType as DutyType
from propdesk.reception.domain.rotation_roster import RestDay as RestDay
from propdesk.reception.domain.rotation_roster import RosterProblem as RosterProblem
from propdesk.reception.domain.rotation_roster import RotaSettings as RotaSettings
from propdesk.reception.domain.rotation_roster import RotationError as RotationError
from propdesk.reception.domain.rotation_roster import SalesGroup as SalesGroup
from propdesk.reception.domain.rotation_roster import alternate_duties as alternate_duties
from propdesk.reception.domain.rotation_roster import make_day_roster as make_day_roster
from propdesk.reception.domain.visits import Stage as Stage
from propdesk.reception.domain.visits import TaxiRequest as TaxiRequest
from propdesk.reception.domain.visits import Visit as Visit
from propdesk.reception.domain.visits import VisitError as VisitError
from propdesk.reception.domain.visits import VisitMode as VisitMode
from propdesk.reception.domain.visits import allowed_actions as allowed_actions
from propdesk.reception.domain.visits import apply_visit as apply_visit
from propdesk.reception.domain.visits import effects as effects
from propdesk.reception.domain.visits import start_visit as start_visit
