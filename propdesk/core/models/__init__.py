"""Core models, split by concept and re-exported here."""

from propdesk.core.models.audit import AccessChannel, PersonalDataAccess
from propdesk.core.models.calendar import BusinessHours, CalendarOverride
from propdesk.core.models.deadlines import Deadline
from propdesk.core.models.jobs import JobRun
from propdesk.core.models.notifications import Notification, WebhookEndpoint
from propdesk.core.models.numbering import DocumentCounter, DocumentType
from propdesk.core.models.people import Department, Membership, Post, Role, Staff
from propdesk.core.models.tenancy import Building, Company, Occupancy, Project, Resident, Unit
from propdesk.core.models.timeline import TimelineEvent
from propdesk.core.models.tokens import ApiToken

__all__ = [
    "AccessChannel",
    "ApiToken",
    "Building",
    "BusinessHours",
    "CalendarOverride",
    "Company",
    "Deadline",
    "Department",
    "DocumentCounter",
    "DocumentType",
    "JobRun",
    "Membership",
    "Notification",
    "Occupancy",
    "PersonalDataAccess",
    "Post",
    "Project",
    "Resident",
    "Role",
    "Staff",
    "TimelineEvent",
    "Unit",
    "WebhookEndpoint",
]
