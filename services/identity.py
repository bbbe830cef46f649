"""The acting user, detached from any session: what services need to authorise an action."""
from dataclasses import dataclass

from models import OrgKind, Role


@dataclass(frozen=True)
class CurrentUser:
    id: int
    phone: str
    name: str
    org_id: int
    org_name: str
    org_kind: str
    roles: frozenset[str]

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_district(self) -> bool:
        return self.org_kind == OrgKind.DISTRICT

    @property
    def is_department(self) -> bool:
        return self.org_kind == OrgKind.DEPARTMENT

    @property
    def is_reform_office(self) -> bool:
        return self.org_kind == OrgKind.REFORM_OFFICE
