"""The cast and helpers shared by the brand service tests."""
import json
from datetime import date

from sqlalchemy import func, select

from models import Attachment, AuditEvent, BrandEntry, Notification, Role
from services import brand, records
from services.brand import BrandInput
from services.records import Upload
from services.review import Action
from tests.factories import get_org, make_user
from tests.services.test_files import JPG, PDF, PNG

AWARDED = date(2024, 5, 10)


def cast(session):
    """万州区 and 黔江区 clerks and reviewers, a department, 市委改革办 reviewers and an admin."""
    brand.seed_categories(session)

    class Cast:
        clerk = make_user(session, org="万州区", role=Role.CLERK)
        reviewer = make_user(session, org="万州区", role=Role.REVIEWER)
        leader = make_user(session, org="万州区", role=Role.LEADER)
        qj_clerk = make_user(session, org="黔江区", role=Role.CLERK)
        qj_reviewer = make_user(session, org="黔江区", role=Role.REVIEWER)
        dept_clerk = make_user(session, org="市发展改革委", role=Role.CLERK)
        office = make_user(session, org="市委改革办", role=Role.REVIEWER)
        office_leader = make_user(session, org="市委改革办", role=Role.LEADER)
        admin = make_user(session, org="市委改革办", role=Role.ADMIN)
        wanzhou = get_org(session, "万州区").id
        qianjiang = get_org(session, "黔江区").id
        national, citywide = [c.id for c in brand.categories(session)]
    return Cast


def good_input(w, **overrides) -> BrandInput:
    values = dict(item="建立基层治理“一网统管”机制", category_id=w.citywide,
                  situation="2024年5月全市召开推广会推广万州经验", awarded_on=AWARDED,
                  problems="针对基层事项多头交办问题，上线一网统管应用，实现事项一口受理",
                  results="建立事项分级处置制度", self_checked=True)
    values.update(overrides)
    return BrandInput(**values)


def evidence(name="会议通知.pdf", data=PDF) -> Upload:
    return Upload(brand.EVIDENCE, name, data)


def summary(name="总结材料.pdf", data=PDF) -> Upload:
    return Upload(brand.SUMMARY, name, data)


def submitted(session, w, clerk=None, **overrides) -> BrandEntry:
    """An entry submitted to district review (with a 佐证材料)."""
    return brand.create(session, actor=clerk or w.clerk, data=good_input(w, **overrides),
                        uploads=[evidence()], submit=True)


def act(session, entry, action, actor, comment=""):
    entry = session.get(BrandEntry, entry.id, populate_existing=True)
    return records.act(session, flow=brand.BRAND_FLOW, actor=actor, record_id=entry.id,
                       action=action, version=entry.version, comment=comment)


def at_office(session, w, **overrides) -> BrandEntry:
    entry = submitted(session, w, **overrides)
    return act(session, entry, Action.APPROVE, w.reviewer)


def snapshot(session) -> dict:
    """Everything an action on brand entries may write, to show a refusal changed nothing."""
    session.expire_all()
    entries = [json.dumps({c: str(getattr(e, c)) for c in BrandEntry.model_fields}, sort_keys=True)
               for e in session.execute(select(BrandEntry).order_by(BrandEntry.id)).scalars()]
    attached = session.execute(select(Attachment.id, Attachment.record_type, Attachment.record_id)
                               .order_by(Attachment.id)).all()
    return {"entries": entries, "attachments": [tuple(a) for a in attached],
            "events": session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            "notes": session.execute(select(func.count()).select_from(Notification)).scalar_one()}


__all__ = ["JPG", "PDF", "PNG"]
