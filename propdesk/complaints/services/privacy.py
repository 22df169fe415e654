"""The complainant's phone (R-GEN-09, PIPL): shown in clear only to roles that see personal data in
the complaint's project, masked (138****5678) otherwise, on every screen, API answer, export and
printed form. Every view of it in clear — the complaint page and its API read, the API lists, the
Excel export, a printed form — writes the personal-data access log (`core.services.audit`,
docs/personal-data.md): one row per complaint viewed, one row per project for a list or an export.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from propdesk.complaints import selectors
from propdesk.complaints.models import Complaint
from propdesk.core import access
from propdesk.core import domain as core_domain
from propdesk.core.models import Staff
from propdesk.core.services import audit

PHONE = "phone"  # the field named in the access log


def shows_phone(actor: Staff, complaint: Any) -> bool:
    """Whether the actor sees this complaint's phone in clear (and it has one)."""
    return bool(complaint.phone) and access.sees_personal_data(actor, complaint.project_id)


def phone_for(actor: Staff, complaint: Any) -> str:
    """The phone as the actor may see it: clear, masked, or empty. Costs no query."""
    if not complaint.phone or shows_phone(actor, complaint):
        return str(complaint.phone or "")
    return core_domain.mask_mobile(complaint.phone)


def complaint_label(complaint: Any) -> str:
    """How a complaint is named in the access log: its number and the complainant."""
    return f"{complaint.number} {complaint.complainant_name}".strip()


def mask_phones(actor: Staff, complaints: Iterable[Any]) -> list[Any]:
    """Set `phone_display` and `clear_personal_fields` (["phone"] when shown in clear) on each
    complaint, as `access.apply_masking` does for residents. Costs no query."""
    items = list(complaints)
    for complaint in items:
        complaint.phone_display = phone_for(actor, complaint)
        complaint.clear_personal_fields = [PHONE] if shows_phone(actor, complaint) else []
    return items


def record_complaint_view(
    actor: Staff,
    complaint: Complaint,
    *,
    context: audit.AccessContext,
    object_type: str = "complaint",
    label: str = "",
) -> str:
    """Log one view of a complaint whose phone the actor sees in clear (nothing otherwise) and
    return the phone as shown."""
    (shown,) = mask_phones(actor, [complaint])
    audit.record_clear_view(
        actor=actor,
        objects=[shown],
        object_type=object_type,
        context=context,
        single=True,
        label=lambda c: label or complaint_label(c),
    )
    return str(shown.phone_display)


def view_complaint(
    actor: Staff, complaint_id: Any, *, context: audit.AccessContext
) -> selectors.ComplaintDetail:
    """One complaint with everything its page shows (`selectors.get_complaint_detail`), for the
    complaint page and `GET /api/v1/complaints/{id}`: a view of the phone in clear is logged
    (one row, `complaint`)."""
    detail = selectors.get_complaint_detail(actor, complaint_id)
    record_complaint_view(actor, detail.complaint, context=context)
    return detail


def show_complaints(
    actor: Staff,
    complaints: Iterable[Any],
    *,
    context: audit.AccessContext,
    object_type: str = "complaint_list",
) -> list[Any]:
    """Complaints for a list or an export, phones masked as each project's role requires; those
    shown in clear are logged as one row per project (all in one INSERT) counting the people
    shown, i.e. the distinct phones (a complainant with three complaints is one person)."""
    items = mask_phones(actor, complaints)
    people: dict[tuple[int, str], Any] = {}
    for complaint in items:
        if complaint.clear_personal_fields:
            people.setdefault((complaint.project_id, complaint.phone), complaint)
    audit.record_clear_view(
        actor=actor,
        objects=list(people.values()),
        object_type=object_type,
        context=context,
        single=False,
        label=lambda c: str(c.complainant_name),
    )
    return items


__all__ = [
    "PHONE",
    "complaint_label",
    "mask_phones",
    "phone_for",
    "record_complaint_view",
    "show_complaints",
    "shows_phone",
    "view_complaint",
]
