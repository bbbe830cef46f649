"""Small factories for service and page tests."""
import itertools
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from models import Org, Pilot, PilotDistrict, Role, User, UserRole
from services import accounts, seed
from services.pilots import PILOT_FLOW
from services.identity import CurrentUser
from services.passwords import hash_password
from services.review import DRAFT

_phones = itertools.count(15000000000)
_docs = itertools.count(1)
FAST_HASH = hash_password("Passw0rd!")  # one hash for every test user keeps tests fast
PASSWORD = "Passw0rd!"


def get_org(session: Session, name: str) -> Org:
    found = session.execute(select(Org).where(Org.name == name)).scalars().first()
    if found is None:
        seed.seed_orgs(session)
        found = session.execute(select(Org).where(Org.name == name)).scalars().first()
    assert found is not None, name
    return found


def make_user(session: Session, *, org: str = "万州区", role: Role | tuple = Role.CLERK,
              phone: str | None = None, must_change: bool = False) -> CurrentUser:
    roles = role if isinstance(role, tuple) else (role,)
    user = User(phone=phone or str(next(_phones)), name=f"测试{'、'.join(roles)}",
                org_id=get_org(session, org).id, password_hash=FAST_HASH,
                must_change_password=must_change)
    session.add(user)
    session.flush()
    for r in roles:
        session.add(UserRole(user_id=user.id, role=Role(r).value))
    session.commit()
    return accounts.current_user(session, user)


def make_pilot(session: Session, *, creator: CurrentUser, status: str = DRAFT,
               dept: str = "市发展改革委", name: str = "数字乡村试点") -> Pilot:
    number = f"国办发〔2024〕{next(_docs)}号"
    pilot = Pilot(
        org_id=creator.org_id, status=status, created_by=creator.id, updated_by=creator.id,
        name=name, deploy_level="中办国办", doc_title="关于开展数字乡村试点的通知",
        doc_number=number, doc_number_norm=number, scope_basis="国家文件明确区县",
        content="开展数字乡村改革", dept_id=get_org(session, dept).id,
        # Complete, so that 保存并上报 passes the flow's conditions; the district asks the
        # department to upload the national document (no file needed in engine tests).
        due_date=date(2026, 12, 31), evidence_by_dept=True,
    )
    session.add(pilot)
    session.flush()
    session.add(PilotDistrict(pilot_id=pilot.id, org_id=creator.org_id))
    PILOT_FLOW.record_event(session, pilot, creator, role=Role.CLERK, action="create")
    session.commit()
    return pilot
