"""Admins add and rename municipal departments; districts and 市委改革办 are fixed."""
import json

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Org, OrgKind, Role
from services import orgs
from services.errors import PermissionDenied, ValidationError
from services.exports import read_xlsx, to_xlsx
from tests.factories import get_org, make_user


@pytest.fixture
def admin(session):
    return make_user(session, org="市委改革办", role=Role.ADMIN)


def names(session):
    return sorted(session.execute(select(Org.name)).scalars())


def test_admin_adds_a_department(session, admin):
    org = orgs.create_department(session, actor=admin, name=" 市退役军人事务局 ")

    assert (org.name, org.kind) == ("市退役军人事务局", OrgKind.DEPARTMENT)
    assert orgs.all_orgs(session, OrgKind.DEPARTMENT)[-1].name == "市退役军人事务局"
    event = session.execute(select(AuditEvent)
                            .where(AuditEvent.action == "create_org")).scalar_one()
    assert (event.record_type, event.record_id, event.actor_id) == ("org", org.id, admin.id)


@pytest.mark.parametrize("name, message", [
    ("市教委", "单位“市教委”已存在"),
    ("市 教委", "单位“市教委”已存在"),
    ("万州区", "单位“万州区”已存在"),
    ("  ", "请填写单位名称"),
    ("部" * 65, "“单位名称”最多64个字，当前65个字"),
])
def test_bad_department_name_is_refused_and_nothing_written(session, admin, name, message):
    before = names(session)

    with pytest.raises(ValidationError, match=message):
        orgs.create_department(session, actor=admin, name=name)

    assert names(session) == before


def test_admin_renames_a_department_and_the_old_name_stays_in_the_log(session, admin):
    dept = get_org(session, "市教委")

    orgs.rename(session, actor=admin, org_id=dept.id, name="市教育委员会")

    session.expire_all()
    assert session.get(Org, dept.id).name == "市教育委员会"
    event = session.execute(select(AuditEvent)
                            .where(AuditEvent.action == "rename_org")).scalar_one()
    assert json.loads(event.changes) == {"单位名称": ["市教委", "市教育委员会"]}


@pytest.mark.parametrize("org, message", [
    ("万州区", "区县和市委改革办的名称固定"),
    ("市委改革办", "区县和市委改革办的名称固定"),
])
def test_districts_and_the_reform_office_cannot_be_renamed(session, admin, org, message):
    before = names(session)

    with pytest.raises(ValidationError, match=message):
        orgs.rename(session, actor=admin, org_id=get_org(session, org).id, name="新名称")

    assert names(session) == before
    reform_offices = session.execute(select(func.count()).select_from(Org)
                                     .where(Org.kind == OrgKind.REFORM_OFFICE)).scalar_one()
    assert reform_offices == 1


@pytest.mark.parametrize("name, message", [
    ("市科技局", "单位“市科技局”已存在"),
    ("局" * 65, "最多64个字"),
    ("市教委", "新名称与原名称相同"),
])
def test_bad_new_name_is_refused_and_the_name_kept(session, admin, name, message):
    dept = get_org(session, "市教委")

    with pytest.raises(ValidationError, match=message):
        orgs.rename(session, actor=admin, org_id=dept.id, name=name)

    session.expire_all()
    assert session.get(Org, dept.id).name == "市教委"


def test_only_admins_manage_orgs(session):
    reviewer = make_user(session, org="市委改革办", role=Role.REVIEWER)
    before = names(session)

    with pytest.raises(PermissionDenied):
        orgs.create_department(session, actor=reviewer, name="市新部门")
    with pytest.raises(PermissionDenied):
        orgs.rename(session, actor=reviewer, org_id=get_org(session, "市教委").id, name="市新部门")
    with pytest.raises(PermissionDenied):
        orgs.org_rows(session, actor=reviewer)

    assert names(session) == before


def test_org_list_exports_with_kind_and_user_count(session, admin):
    make_user(session, org="万州区")

    rows = orgs.org_rows(session, actor=admin)
    exported = dict((row["单位名称"], row) for _, row in read_xlsx(to_xlsx(rows)))

    assert len(rows) == 41 + 25 + 1
    assert exported["万州区"]["类型"] == "区县" and exported["万州区"]["用户数"] == 1
    assert exported["市委改革办"]["类型"] == "市委改革办" and exported["市委改革办"]["用户数"] == 1
