"""The cast and helpers shared by the 数字重庆建设 service tests."""
from datetime import date

from sqlalchemy import select

from models import DigitalDomain, DigitalItem, Role
from services.digital import catalog, forms, rows, verdicts
from services.digital.apps import SCREENSHOT, SHARE_BASIS
from services.digital.items import NEW_CHART, ORIGINAL_CHART
from services.digital.plans import CHECK_OPINION, LISTS_TEXT, PASSED, REVIEW_OPINION
from services.records import Upload
from tests.factories import get_org, make_user
from tests.services.test_files import PDF, PNG


def cast(session):
    """万州区 and 黔江区 clerks, reviewers and leaders, a department, 市委改革办 and an admin."""
    catalog.seed_domains(session)  # (the migration seeds them; PostgreSQL tests start empty)

    class Cast:
        clerk = make_user(session, org="万州区", role=Role.CLERK)
        clerk2 = make_user(session, org="万州区", role=Role.CLERK)
        reviewer = make_user(session, org="万州区", role=Role.REVIEWER)
        leader = make_user(session, org="万州区", role=Role.LEADER)
        qj_clerk = make_user(session, org="黔江区", role=Role.CLERK)
        qj_reviewer = make_user(session, org="黔江区", role=Role.REVIEWER)
        dept_clerk = make_user(session, org="市大数据发展局", role=Role.CLERK)
        office = make_user(session, org="市委改革办", role=Role.REVIEWER)
        office2 = make_user(session, org="市委改革办", role=Role.REVIEWER)
        office_leader = make_user(session, org="市委改革办", role=Role.LEADER)
        admin = make_user(session, org="市委改革办", role=Role.ADMIN)
        wanzhou = get_org(session, "万州区").id
        qianjiang = get_org(session, "黔江区").id
        domain = session.execute(select(DigitalDomain.id).order_by(DigitalDomain.id)
                                 ).scalars().first()
    return Cast


def chart(purpose=ORIGINAL_CHART, name="一图两清单.pdf", data=PDF) -> Upload:
    return Upload(purpose, name, data)


def form_version(session, user) -> int:
    form = rows.open_form(session, user.org_id)
    return form.version if form is not None else 0


def add_item(session, w, clerk=None, name="企业开办一件事", files=True, **values):
    clerk = clerk or w.clerk
    saved = rows.save_row(session, actor=clerk, kind="digital_item",
                          form_version=form_version(session, clerk),
                          values={"name": name, "domain_id": w.domain, "intro": "简介", **values},
                          uploads=[chart()] if files else [])
    return saved.row


def pass_form(session, w, clerk=None, reviewer=None):
    """保存并上报 the open form and have the district's reviewer 通过 it."""
    clerk, reviewer = clerk or w.clerk, reviewer or w.reviewer
    form = rows.open_form(session, clerk.org_id)
    form = forms.submit(session, actor=clerk, form_id=form.id, version=form.version)
    return forms.approve(session, actor=reviewer, form_id=form.id, version=form.version)


def item(session, item_id) -> DigitalItem:
    return session.get(DigitalItem, item_id, populate_existing=True)


def verdict(session, w, item_id, action, comment="", **kw):
    return verdicts.give(session, actor=w.office, item_id=item_id,
                         version=item(session, item_id).version, verdict=action,
                         comment=comment, **kw)


def ready_item(session, w, clerk=None, reviewer=None, name="企业开办一件事"):
    """An item at 进入三张清单编制等后续环节 (both charts judged)."""
    clerk, reviewer = clerk or w.clerk, reviewer or w.reviewer
    row = rows.save_row(session, actor=clerk, kind="digital_item",
                        form_version=form_version(session, clerk),
                        values={"name": name, "domain_id": w.domain, "intro": "简介"},
                        uploads=[chart(), chart(NEW_CHART, "新.pdf")]).row
    pass_form(session, w, clerk, reviewer)
    verdict(session, w, row.id, "proceed")
    return item(session, row.id)


def passed_plan(session, w, item_ids, clerk=None, name="企业开办应用", passed_on=date(2026, 6, 1)):
    clerk = clerk or w.clerk
    return rows.save_row(session, actor=clerk, kind="digital_plan",
                         form_version=form_version(session, clerk),
                         values={"name": name, "item_ids": item_ids, "stage": PASSED,
                                 "passed_on": passed_on},
                         uploads=[Upload(REVIEW_OPINION, "审查.pdf", PDF),
                                  Upload(CHECK_OPINION, "查重.pdf", PDF),
                                  Upload(LISTS_TEXT, "三张清单.pdf", PDF)]).row


def app_row(session, w, plan_id, clerk=None, launched_on=date(2026, 7, 1), name="渝快办企业开办"):
    clerk = clerk or w.clerk
    return rows.save_row(session, actor=clerk, kind="digital_app",
                         form_version=form_version(session, clerk),
                         values={"name": name, "plan_id": plan_id, "launched_on": launched_on,
                                 "functions": "一网通办", "integration": "跨部门",
                                 "volume": 100, "active_users": 20},
                         uploads=[Upload(SCREENSHOT, "界面.png", PNG)]).row


def share_row(session, w, app_id, clerk=None, shared_on=date(2026, 8, 1)):
    clerk = clerk or w.clerk
    return rows.save_row(session, actor=clerk, kind="digital_share",
                         form_version=form_version(session, clerk),
                         values={"app_id": app_id, "intro": "全市推广", "shared_on": shared_on},
                         uploads=[Upload(SHARE_BASIS, "依据.pdf", PDF)]).row
