"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""
from models.audit import AuditEvent, Notification
from models.base import ReviewedRecord, utcnow
from models.brand import BrandCategory, BrandEntry
from models.digital import (
    DigitalApp, DigitalDomain, DigitalForm, DigitalItem, DigitalPlan, DigitalPlanItem, DigitalShare,
)
from models.files import Attachment
from models.org import ORG_KIND_LABELS, Org, OrgKind
from models.pilot import (
    CANCELLED, Achievement, JoinRequest, Pilot, PilotDistrict, ProgressRevision, ProgressTask,
)
from models.reminder import Reminder
from models.setting import Setting
from models.user import ROLE_BY_LABEL, ROLE_LABELS, Role, User, UserRole

__all__ = [
    "Achievement", "JoinRequest", "ProgressRevision", "ProgressTask", "Attachment", "AuditEvent", "BrandCategory", "BrandEntry", "DigitalApp", "DigitalDomain", "DigitalForm", "DigitalItem",
    "DigitalPlan", "DigitalPlanItem", "DigitalShare", "CANCELLED", "Notification", "ORG_KIND_LABELS", "Org",
    "OrgKind", "Pilot", "PilotDistrict", "ROLE_BY_LABEL", "ROLE_LABELS", "ReviewedRecord",
    "Reminder", "Role", "Setting", "User", "UserRole", "utcnow",
]
