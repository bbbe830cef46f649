"""One text rule for every input (SPEC §10): every service entry that takes text refuses control
characters, lone surrogates, noncharacters and bidi controls (tab and line breaks outside
multi-line fields) with a Chinese message naming the field, leaves the stored state unchanged,
and accepts legal text. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, where such
text used to reach the database as a raw psycopg error.
"""
import itertools
from dataclasses import dataclass
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from models import Org, Role
from services import (
    accounts, brand, orgs, pilots, progress, progress_overview, settings as app_settings,
    user_import,
)
from services.errors import LoginRefused, ValidationError
from services.exports import to_xlsx
from services.progress import AchievementInput
from services.review import Action
from tests.factories import get_org, make_user
from tests.services import brand_helpers, pilot_helpers
from tests.services.progress_helpers import good, task_of
from tests.services.test_files import PDF

# The rule, written out independently of services/limits.py.
NEVER = ({chr(c) for c in range(0x20)} - set("\t\n\r")) | {chr(c) for c in range(0x7F, 0xA0)} \
    | {chr(c) for c in range(0xD800, 0xE000)} | {chr(c) for c in range(0xFDD0, 0xFDF0)} \
    | {chr(p + c) for p in range(0, 0x110000, 0x10000) for c in (0xFFFE, 0xFFFF)} \
    | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE = set("\t\n\r\u2028\u2029")
INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u180e")

BAD = sorted(set("\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f\ud800\udbff\udc00\udfff"
                 "\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff\u202a\u202b\u202c\u202d\u202e"
                 "\u2066\u2067\u2068\u2069"))
LEGAL = list("改革试点机制建立健全abcXYZ019（）〔〕,.;：“”-_=+@#%& 　ａ１é😀") + ["e\u0301"]
pieces = st.sampled_from(LEGAL) | st.sampled_from(BAD) | st.sampled_from(sorted(LINE)) \
    | st.sampled_from(sorted(INVISIBLE))
texts = st.lists(pieces, max_size=8).map("".join)


def _in_xml(ch: str) -> bool:
    return not ((ord(ch) < 0x20 and ch not in "\t\n\r") or 0xD800 <= ord(ch) < 0xE000
                or ch in "\ufffe\uffff")


# What an .xlsx (XML 1.0) can carry: the user import never sees C0 controls or surrogates.
xlsx_texts = texts.map(lambda t: "".join(filter(_in_xml, t)))

_numbers = itertools.count(1)


@dataclass
class Entry:
    """A service entry that takes text in the field `label`."""

    label: str
    call: Callable  # (session, cast, text) -> None
    multiline: bool = False
    required: bool = False
    strips: bool = True  # the service trims surrounding spaces before the rule
    drops_invisible: bool = False  # the service removes invisible characters before the rule
    wrap: Callable[[str], str] = lambda text: text  # makes unique names unique
    prepare: Callable | None = None  # (session, cast) -> the record `call` acts on


def unique(prefix: str) -> Callable[[str], str]:
    return lambda text: f"{prefix}{next(_numbers)}号{text}"


def within(before: str, after: str = "") -> Callable[[str], str]:
    return lambda text: f"{before}{text}{after}"


def pilot_create(field):
    def call(s, w, text):
        pilots.create(s, actor=w.clerk, data=pilot_helpers.good_input(
            w, doc_number=f"渝府发〔2024〕{next(_numbers)}号", **{field: text}))
    return call


def brand_create(field):
    def call(s, w, text):
        brand.create(s, actor=w.clerk, data=brand_helpers.good_input(w, **{field: text}))
    return call


def progress_save(make_input):
    def call(s, w, text):
        rev = w.revision(s)
        progress.save(s, actor=w.clerk, revision_id=rev.id, version=rev.version,
                      data=make_input(text))
    return call


def brand_reject(s, w, text, entry):
    brand_helpers.act(s, entry, Action.REJECT, w.reviewer, comment=text)


def submitted_pilot(s, w):
    return pilots.create(s, actor=w.clerk, data=pilot_helpers.good_input(
        w, doc_number=f"渝府发〔2024〕{next(_numbers)}号"), uploads=pilot_helpers.NATIONAL,
        submit=True)


def pilot_reject(s, w, text, p):
    pilots.act(s, actor=w.reviewer, pilot_id=p.id, action=Action.REJECT, version=p.version,
               comment=text)


def draft_pilot(s, w):
    return pilots.create(s, actor=w.clerk, data=pilot_helpers.good_input(
        w, doc_number=f"渝府发〔2024〕{next(_numbers)}号"))


def pilot_rename(s, w, text, p):
    pilots.update(s, actor=w.clerk, pilot_id=p.id, version=p.version,
                  data=pilot_helpers.good_input(w, doc_number=p.doc_number, name=text))


def draft_entry(s, w):
    return brand.create(s, actor=w.clerk, data=brand_helpers.good_input(w))


def brand_edit(s, w, text, entry):
    brand.update(s, actor=w.clerk, entry_id=entry.id, version=entry.version,
                 data=brand_helpers.good_input(w, item=text))


def user_edit(s, w, text, user_id):
    accounts.update_user(s, actor=w.admin, user_id=user_id, name=text, org_id=w.wanzhou,
                         roles={Role.CLERK}, seen=accounts.user_detail(s, actor=w.admin,
                                                                       user_id=user_id))


def new_department(s, w):
    return orgs.create_department(s, actor=w.admin, name=f"市新设局{next(_numbers)}号").id


def import_row(s, w, text):
    data = to_xlsx([{"手机号": f"136{next(_numbers):08d}", "姓名": text, "所属单位": "万州区",
                     "角色": "录入员"}], headers=user_import.HEADERS)
    user_import.import_users(s, actor=w.admin, data=data)


def upload_named(s, w, text):
    brand.create(s, actor=w.clerk, data=brand_helpers.good_input(w),
                 uploads=[brand_helpers.evidence(name=text, data=PDF)])


ENTRIES = {
    "试点名称": Entry("试点名称", pilot_create("name"), required=True),
    "试点名称（修改草稿）": Entry("试点名称", pilot_rename, required=True, prepare=draft_pilot),
    "文件依据": Entry("文件依据", pilot_create("doc_title")),
    "试点内容及任务": Entry("试点内容及任务", pilot_create("content"), multiline=True),
    "批次": Entry("批次", pilot_create("batch"), strips=False),
    "改革事项": Entry("改革事项", brand_create("item"), required=True),
    "改革事项（修改草稿）": Entry("改革事项", brand_edit, required=True, prepare=draft_entry),
    "具体情形": Entry("具体情形", brand_create("situation"), multiline=True),
    "主要成果": Entry("主要成果", brand_create("results"), multiline=True),
    "存在问题": Entry("存在问题", progress_save(lambda t: good(problems=t)), multiline=True),
    "已开展工作第1项": Entry("已开展工作第1项", progress_save(lambda t: good(work_items=[t])),
                         wrap=within("召开会议")),
    "成果名称": Entry("成果名称", progress_save(lambda t: good(achievements=[
        AchievementInput(t, "针对问题，建立机制")])), wrap=within("建立机制")),
    "驳回原因（改革品牌）": Entry("意见", brand_reject, multiline=True,
                           wrap=within("请补充佐证材料"), prepare=brand_helpers.submitted),
    "驳回原因（试点）": Entry("意见", pilot_reject, multiline=True, wrap=within("请补充佐证材料"),
                         prepare=submitted_pilot, strips=False),  # checked as typed
    "试点推进总览的试点名称": Entry("试点名称", lambda s, w, t: progress_overview.rows(
        s, actor=w.office, filters=progress_overview.Filters(name=t)), strips=False),
    "用户管理的查找": Entry("按手机号或姓名查找", lambda s, w, t: accounts.list_users(
        s, actor=w.admin, query=t), strips=False),
    "姓名": Entry("姓名", lambda s, w, t: accounts.create_user(
        s, actor=w.admin, phone=f"137{next(_numbers):08d}", name=t, org_id=w.wanzhou,
        roles={Role.CLERK}), required=True),
    "姓名（修改用户）": Entry("姓名", user_edit, required=True, wrap=unique("张"),
                       prepare=lambda s, w: w.leader.id),
    "单位名称": Entry("单位名称", lambda s, w, t: orgs.create_department(
        s, actor=w.admin, name=t), required=True, wrap=unique("市测试局")),
    "单位名称（更名）": Entry("单位名称", lambda s, w, t, org_id: orgs.rename(
        s, actor=w.admin, org_id=org_id, name=t), required=True, wrap=unique("市更名局"),
        prepare=new_department),
    "获评类别": Entry("获评类别", lambda s, w, t: brand.add_category(
        s, actor=w.admin, name=t), required=True, wrap=unique("国家层面推广")),
    "系统设置": Entry(app_settings.LABELS["pilot_module_admin"],
                  lambda s, w, t: app_settings.update(
                      s, actor=w.admin, values={"pilot_module_admin": t}), required=True),
    "文件名": Entry("文件名", upload_named, wrap=within("会议通知", ".pdf")),
}


@pytest.fixture
def w(session):
    """The brand cast, plus a distributed pilot whose 万州区 task has a draft revision."""
    w = brand_helpers.cast(session)
    pw = pilot_helpers.cast(session)
    w.dept_id = pw.dept_id
    pilot = pilot_helpers.distributed(session, pw)
    # The brand cast's 万州区 clerk works on the pilot cast's 万州区 task.
    task = task_of(session, w.wanzhou, pilot.id)
    rev_id = progress.start_revision(session, actor=w.clerk, task_id=task.id).id
    w.revision = lambda s: progress.get(s, actor=w.clerk, revision_id=rev_id)
    return w


def stored(session) -> dict:
    """Every row of every table."""
    session.expire_all()
    return {t.name: sorted(map(repr, session.execute(select(t)).all()))
            for t in SQLModel.metadata.sorted_tables}


def stored_text(session) -> list[str]:
    session.expire_all()
    return [v for t in SQLModel.metadata.sorted_tables for row in session.execute(select(t))
            for v in row if isinstance(v, str)]


def refused(entry: Entry, text: str) -> bool:
    """Whether the rule refuses `text` in this field (else it is legal text)."""
    looked_at = text.strip() if entry.strips else text
    if entry.drops_invisible:
        looked_at = "".join(ch for ch in looked_at if ch not in INVISIBLE)
    if set(looked_at) & (NEVER if entry.multiline else NEVER | LINE):
        return True
    if looked_at.strip() and set(looked_at) <= INVISIBLE | {ch for ch in looked_at
                                                            if ch.isspace()}:
        return True  # only invisible characters: as good as empty
    return entry.required and not text.strip()


def check(session, w, entry: Entry, text: str) -> None:
    text = entry.wrap(text)
    target = (entry.prepare(session, w),) if entry.prepare else ()
    before = stored(session)
    expected = "refuse" if refused(entry, text) else "accept"
    try:
        entry.call(session, w, text, *target)
    except ValidationError as exc:
        session.rollback()
        assert expected != "accept", f"legal text {text!r} refused: {exc}"
        assert entry.label in str(exc), str(exc)
        assert stored(session) == before
        return
    assert expected != "refuse", f"{text!r} accepted in {entry.label}"
    assert not [v for v in stored_text(session) if set(v) & NEVER]


@pytest.mark.parametrize("name", list(ENTRIES))
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(text=texts)
def test_every_text_entry_refuses_unsafe_characters_naming_the_field(session, w, name, text):
    check(session, w, ENTRIES[name], text)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
@given(text=xlsx_texts)
def test_user_import_refuses_unsafe_characters_naming_the_row_and_field(session, w, text):
    data_text = f"张三{text}"
    before = stored(session)
    try:
        import_row(session, w, data_text)
    except ValidationError as exc:
        session.rollback()
        assert "第2行" in str(exc) and "姓名" in str(exc), str(exc)
        assert stored(session) == before
        return
    assert not set(data_text.strip()) & (NEVER | LINE)


@pytest.mark.parametrize("name", [n for n, e in ENTRIES.items() if e.required])
@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200d\ufeff", " \u2060 ", "\u3000\u200b"])
def test_a_required_field_of_only_invisible_characters_counts_as_empty(session, w, name, text):
    entry = ENTRIES[name]
    target = (entry.prepare(session, w),) if entry.prepare else ()
    before = stored(session)

    with pytest.raises(ValidationError, match=entry.label):
        entry.call(session, w, text, *target)

    session.rollback()
    assert stored(session) == before


@pytest.mark.parametrize("name, text", [
    ("改革事项", "建立基层治理\x00机制"),            # a raw psycopg DataError on PostgreSQL
    ("试点推进总览的试点名称", "数字\x00乡村"),       # ditto, in the overview's name filter
    ("改革事项", "建立基层治理\x0b机制"),            # crashed the 总结材料 template
    ("试点名称", "数字乡村\u202e点试革改"),
    ("试点内容及任务", "开展改革\ud800"),
    ("具体情形", "全市推广\ufffe"),
    ("文件名", "\u202efdp.exe"),
])
def test_reported_unsafe_text_is_refused_with_the_fields_name(session, w, name, text):
    entry = ENTRIES[name]
    target = (entry.prepare(session, w),) if entry.prepare else ()
    before = stored(session)

    with pytest.raises(ValidationError, match=entry.label):
        entry.call(session, w, entry.wrap(text), *target)

    session.rollback()
    assert stored(session) == before


def test_multi_line_fields_keep_tabs_and_line_breaks(session, w):
    entry = brand.create(session, actor=w.clerk, data=brand_helpers.good_input(
        w, situation="1.召开推广会\n2.\t印发简报"))

    assert brand.get(session, actor=w.clerk, entry_id=entry.id).situation == \
        "1.召开推广会\n2.\t印发简报"


def test_a_single_line_field_refuses_a_line_break(session, w):
    with pytest.raises(ValidationError, match="“改革事项”只能填写一行"):
        brand.create(session, actor=w.clerk, data=brand_helpers.good_input(
            w, item="建立\n机制"))


@pytest.mark.parametrize("name", ["市教委\u200b", "\ufeff市教委", "市教委\u2060", "市　教委",
                                  "市教委\u200d"])
def test_a_department_name_that_folds_to_an_existing_one_is_a_duplicate(session, name):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    before = stored(session)

    with pytest.raises(ValidationError, match="单位“市教委”已存在"):
        orgs.create_department(session, actor=admin, name=name)

    session.rollback()
    assert stored(session) == before


def test_renaming_a_department_to_a_look_alike_of_another_is_refused(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    dept = get_org(session, "市发展改革委")

    with pytest.raises(ValidationError, match="单位“市教委”已存在"):
        orgs.rename(session, actor=admin, org_id=dept.id, name="市教委\u200b")

    session.rollback()
    assert get_org(session, "市发展改革委").id == dept.id


def test_a_new_department_is_stored_without_invisible_characters(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)

    org = orgs.create_department(session, actor=admin, name="市退役\u200b军人事务局")

    assert session.execute(select(Org.name).where(Org.id == org.id)).scalar_one() == \
        "市退役军人事务局"


def test_a_duplicate_check_on_unsafe_text_finds_nothing_instead_of_failing(session, w):
    pw = pilot_helpers.cast(session)

    assert pilots.duplicate_check(session, actor=pw.clerk, doc_number="国办发\ud800",
                                  batch="第\x00批") is None


def test_a_password_with_a_lone_surrogate_is_a_wrong_password_not_a_crash(session):
    user = make_user(session, phone="13812340000")

    with pytest.raises(LoginRefused):
        accounts.authenticate(session, phone="13812340000", password="Pass\ud800")

    with pytest.raises(ValidationError, match="新密码"):
        accounts.change_password(session, actor=user, old="Passw0rd!", new="Abcdefg1\x00",
                                 confirm="Abcdefg1\x00")


@pytest.mark.parametrize("status", ["a\x00b", "a\ud800b", "不存在的状态"])
def test_a_status_filter_that_is_no_state_is_refused_before_the_database(session, status):
    from services import brand, pilots
    from tests.services.brand_helpers import cast
    w = cast(session)

    with pytest.raises(ValidationError, match="没有.*这一状态"):
        brand.search(session, actor=w.office, filters=brand.Filters(status=status))
    with pytest.raises(ValidationError, match="没有.*这一状态"):
        pilots.search(session, actor=w.office, status=status)
