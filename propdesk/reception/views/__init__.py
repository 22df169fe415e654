"""Web pages of the sales-centre floor (SPEC §3–§4): post picker, post screens with live
intercom calls, supervisor console, VIP room board, visits; the buttons' POST handlers; and the
server-sent-event stream of each post. Views parse, call one service or selector, render."""

from propdesk.reception.views.actions import call_ack as call_ack
from propdesk.reception.views.actions import call_complete as call_complete
from propdesk.reception.views.actions import call_send as call_send
from propdesk.reception.views.actions import room_action as room_action
from propdesk.reception.views.actions import room_create as room_create
from propdesk.reception.views.actions import visit_details as visit_details
from propdesk.reception.views.actions import visit_start as visit_start
from propdesk.reception.views.actions import visit_step as visit_step
from propdesk.reception.views.pages import console as console
from propdesk.reception.views.pages import index as index
from propdesk.reception.views.pages import post_live as post_live
from propdesk.reception.views.pages import post_screen as post_screen
from propdesk.reception.views.pages import room_board as room_board
from propdesk.reception.views.pages import visit_detail as visit_detail
from propdesk.reception.views.pages import visit_list as visit_list
from propdesk.reception.views.stream import stream as stream
