"""The sales-centre floor (案场接待): visits, intercom dispatch, VIP rooms, rotation queue, client cards.

Implements SPEC §3, §4, §5. `domain/` holds the pure rules (visit journey, post duties, intercom
scripts, rooms, the rotation engine); `services/`, `api/`, `views/` and `realtime.py` run visits,
rooms and intercom calls with live push to the post screens. The rotation queue's service layer,
board and daily report are still to be built on `domain/rotation.py`.
"""
