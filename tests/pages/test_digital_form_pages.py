"""区县推进情况更新 and 区县推进情况审核 driven as logged-in users: "+" a 一件事 with its
原一图两清单 and 保存并上报; similar names while typing; a stale save; old → new, 通过 and 驳回;
one district never sees another's rows."""
import json

import pytest
from sqlalchemy import select

from models import Attachment, DigitalForm, DigitalItem, User
from services import accounts, db
from services.digital import forms, rows, verdicts
from services.digital.items import NEW_CHART, ORIGINAL_CHART, PENDING_ORIGINAL
from services.errors import CONFLICT_MESSAGE
from services.records import Upload
from tests.factories import make_user
from tests.pages.conftest import logged_in

UPDATE, REVIEW = "pages/digital_update.py", "pages/digital_review.py"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
WZ_CLERK, WZ_REVIEWER, QJ_CLERK, QJ_REVIEWER = ("13800000101", "13800000102", "13800000201",
                                                "13800000202")
OFFICE = "13700000101"


def user(phone):
    with db.session_scope() as s:
        return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                     .scalars().one())


def domain_id(name="数字政府"):
    from services.digital import catalog
    with db.session_scope() as s:
        return next(d.id for d in catalog.domains(s) if d.name == name)


def version(clerk):
    with db.session_scope() as s:
        form = rows.open_form(s, clerk.org_id)
        return form.version if form else 0


def add_item(phone, name, *, charts=(ORIGINAL_CHART,), **values):
    clerk = user(phone)
    with db.session_scope() as s:
        return rows.save_row(s, actor=clerk, kind="digital_item", form_version=version(clerk),
                             values={"name": name, "domain_id": domain_id(), "intro": "简介",
                                     **values},
                             uploads=[Upload(c, f"{c}.pdf", PDF) for c in charts]).row.id


def submit(phone):
    clerk = user(phone)
    with db.session_scope() as s:
        form = rows.open_form(s, clerk.org_id)
        return forms.submit(s, actor=clerk, form_id=form.id, version=form.version).id


def approve(form_id, phone):
    with db.session_scope() as s:
        form = s.get(DigitalForm, form_id)
        forms.approve(s, actor=user(phone), form_id=form_id, version=form.version)


def stored_items():
    with db.session_scope() as s:
        return s.execute(select(DigitalItem).order_by(DigitalItem.id)).scalars().all()


def stored_form(form_id=None):
    with db.session_scope() as s:
        query = select(DigitalForm).order_by(DigitalForm.id.desc())
        return s.get(DigitalForm, form_id) if form_id else s.execute(query).scalars().first()


def page(phone, path=UPDATE, **state):
    at = logged_in(phone).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def by_label(widgets, label):
    (found,) = [w for w in widgets if w.label == label]
    return found


def button(at, label):
    return next(b for b in at.button if b.label == label)


def texts(at) -> str:
    """Everything the page wrote, as one text (markdown, captions, alerts, tables)."""
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success")
             for e in getattr(at, kind)]
    parts += [frame.value.to_string() for frame in at.dataframe]
    return "\n".join(str(p) for p in parts)


def errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.parametrize("path,title,allowed", [
    (UPDATE, "区县推进情况更新", {WZ_CLERK, QJ_CLERK}),
    (REVIEW, "区县推进情况审核", {WZ_REVIEWER, QJ_REVIEWER}),
])
@pytest.mark.parametrize("phone", [WZ_CLERK, QJ_CLERK, WZ_REVIEWER, QJ_REVIEWER, "13800000103",
                                   "13900000201", OFFICE, "13800000000"])
def test_form_pages_are_there_for_district_clerks_and_reviewers_only(app_db, path, title,
                                                                    allowed, phone):
    at = logged_in(phone).run()

    if phone in allowed:
        at.switch_page(path).run()
        assert not at.exception, at.exception
        assert at.title[0].value == title
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)


def test_clerk_adds_a_one_thing_item_with_its_chart_and_submits_the_form(app_db):
    at = page(QJ_CLERK)
    button(at, "＋ 新增一件事").click().run()
    labels = {w.label for w in [*at.text_input, *at.text_area, *at.selectbox, *at.file_uploader]}
    assert {"事项名称", "重点领域", "简介", ORIGINAL_CHART, NEW_CHART} <= labels

    by_label(at.text_input, "事项名称").input("企业开办一件事").run()
    by_label(at.selectbox, "重点领域").set_value(domain_id())
    by_label(at.text_area, "简介").input("一次告知、一表申请")
    by_label(at.file_uploader, ORIGINAL_CHART).set_value(("原一图两清单.pdf", PDF,
                                                           "application/pdf"))
    at.run()
    button(at, "保存").click().run()

    assert not errors(at), errors(at)
    (item,) = stored_items()
    assert (item.name, item.intro, item.status, item.domain_id, item.org_id) == (
        "企业开办一件事", "一次告知、一表申请", "草稿", domain_id(), user(QJ_CLERK).org_id)
    assert "（第1次填报）：草稿" in texts(at)
    assert "企业开办一件事" in at.dataframe[0].value["事项名称"].tolist()
    assert {"打印", "打印所选记录", "导出Excel"} <= {b.label for b in at.get("download_button")}

    button(at, "保存并上报").click().run()

    assert not errors(at), errors(at)
    form = stored_form()
    assert (form.status, form.org_id, form.number) == ("待区县审核", user(QJ_CLERK).org_id, 1)
    with db.session_scope() as s:
        (att,) = s.execute(select(Attachment).where(Attachment.record_type == "digital_item",
                                                    Attachment.record_id == item.id)).scalars()
        assert (att.purpose, att.original_name) == (ORIGINAL_CHART, "原一图两清单.pdf")
    assert "已上报，等待区县审核员审核" in texts(at)
    # read-only while it waits: no "+", no 修改, and 撤回 is offered
    labels = {b.label for b in at.button}
    assert "＋ 新增一件事" not in labels and "保存并上报" not in labels and "撤回" in labels


def test_submitting_an_item_without_its_chart_names_what_is_missing_and_sends_nothing(app_db):
    add_item(QJ_CLERK, "不动产登记一件事", charts=())
    at = page(QJ_CLERK)

    assert "一件事“不动产登记一件事”缺少：附件“原一图两清单”" in texts(at)
    button(at, "保存并上报").click().run()

    assert any("原一图两清单" in e for e in errors(at))
    assert stored_form().status == "草稿"


def test_similar_names_show_another_districts_pending_item_while_typing(app_db):
    form_id = (add_item(WZ_CLERK, "企业开办一件事"), submit(WZ_CLERK))[1]
    approve(form_id, WZ_REVIEWER)
    assert stored_items()[0].status == PENDING_ORIGINAL
    at = page(QJ_CLERK)
    button(at, "＋ 新增一件事").click().run()

    by_label(at.text_input, "事项名称").input("企业开办“一件事”").run()

    assert "已纳入名录库的一件事不再重复策划" in texts(at)
    (similar,) = [f.value for f in at.dataframe if "区县" in f.value.columns]
    assert similar.to_dict("records") == [
        {"事项名称": "企业开办一件事", "区县": "万州区", "核准情况": PENDING_ORIGINAL}]


def test_a_second_clerks_stale_save_gets_the_conflict_message_and_changes_nothing(app_db):
    with db.session_scope() as s:
        other = make_user(s, org="黔江区")
    first = page(QJ_CLERK)
    button(first, "＋ 新增一件事").click().run()
    by_label(first.text_input, "事项名称").input("企业开办一件事").run()
    by_label(first.selectbox, "重点领域").set_value(domain_id())
    add_item(other.phone, "不动产登记一件事")  # the second clerk saves first

    button(first.run(), "保存").click().run()

    assert errors(first) == [CONFLICT_MESSAGE]
    assert [i.name for i in stored_items()] == ["不动产登记一件事"]
    assert "本次填报已有变化" in texts(first)

    button(first, "刷新").click().run()
    button(first, "＋ 新增一件事").click().run()
    by_label(first.text_input, "事项名称").input("企业开办一件事").run()
    by_label(first.selectbox, "重点领域").set_value(domain_id())
    button(first.run(), "保存").click().run()

    assert not errors(first), errors(first)
    assert [i.name for i in stored_items()] == ["不动产登记一件事", "企业开办一件事"]


def _in_force_item(name="企业开办一件事"):
    """A 万州区 item included in the catalog, then changed by its clerk and submitted."""
    item_id = add_item(WZ_CLERK, name, intro="一次告知、一表申请")
    approve(submit(WZ_CLERK), WZ_REVIEWER)
    with db.session_scope() as s:
        item = s.get(DigitalItem, item_id)
        verdicts.give(s, actor=user(OFFICE), item_id=item_id, version=item.version,
                      verdict="include", comment="梳理较深入")
    clerk = user(WZ_CLERK)
    with db.session_scope() as s:
        rows.save_row(s, actor=clerk, kind="digital_item", form_version=version(clerk),
                      row_id=item_id, values={"intro": "一次告知、一表申请、一网通办"},
                      uploads=[Upload(NEW_CHART, "新一图两清单.pdf", PDF)])
    return item_id, submit(WZ_CLERK)


def test_reviewer_sees_each_change_old_to_new_and_approves_the_form(app_db):
    item_id, form_id = _in_force_item()
    at = page(WZ_REVIEWER, REVIEW)

    shown = texts(at)
    assert "【修改】一件事：企业开办一件事" in shown
    assert "原：" in shown and "新：" in shown
    assert ":green-background[**、一网通办**]" in shown  # the added text, highlighted
    assert "【新】下载 新一图两清单：新一图两清单\\.pdf" in {b.label for b in at.get("download_button")}
    assert "通过后，该一件事报市委改革办核准" in shown

    button(at, "通过").click().run()

    assert not errors(at), errors(at)
    assert stored_form(form_id).status == "已通过"
    (item,) = stored_items()
    assert (item.intro, item.status, item.pending) == (
        "一次告知、一表申请、一网通办", "待核准（新一图两清单）", "")


def test_reviewer_rejects_with_a_reason_and_the_clerk_reads_it(app_db):
    _, form_id = _in_force_item()
    at = page(WZ_REVIEWER, REVIEW)

    button(at, "驳回").click().run()
    assert errors(at)  # no reason: refused
    assert stored_form(form_id).status == "待区县审核"
    at.text_area(key=f"digital_form-{form_id}-reason").input("新一图两清单不完整，请补充").run()
    button(at, "驳回").click().run()

    assert not errors(at), errors(at)
    assert stored_form(form_id).status == "退回修改"
    (item,) = stored_items()
    assert (item.intro, item.status) == ("一次告知、一表申请", "纳入名录库并晾晒")  # nothing in force changed
    clerk = page(WZ_CLERK)
    assert "已被驳回，驳回原因：新一图两清单不完整，请补充" in texts(clerk)
    assert "保存并上报" in {b.label for b in clerk.button}


def test_a_changed_row_is_undone_and_a_draft_row_deleted_after_confirmation(app_db):
    item_id, form_id = _in_force_item()
    with db.session_scope() as s:
        form = s.get(DigitalForm, form_id)
        forms.withdraw(s, actor=user(WZ_CLERK), form_id=form_id, version=form.version)
    draft_id = add_item(WZ_CLERK, "不动产登记一件事")
    at = page(WZ_CLERK, open_digital_item=item_id)

    assert at.selectbox(key="pick-digital_item").value == item_id
    at.button(key=f"undo-digital_item-{item_id}").click().run()
    at.button(key=f"undo-digital_item-{item_id}-yes").click().run()

    assert not errors(at), errors(at)
    item = next(i for i in stored_items() if i.id == item_id)
    assert (item.intro, item.pending, item.form_id) == ("一次告知、一表申请", "", None)

    at.selectbox(key="pick-digital_item").set_value(draft_id).run()
    at.button(key=f"delete-digital_item-{draft_id}").click().run()
    assert next(i for i in stored_items() if i.id == draft_id).status == "草稿"  # asked first
    at.button(key=f"delete-digital_item-{draft_id}-yes").click().run()

    assert not errors(at), errors(at)
    assert next(i for i in stored_items() if i.id == draft_id).status == "已删除"


def test_a_qianjiang_clerk_never_sees_wanzhou_rows(app_db):
    item_id = add_item(WZ_CLERK, "万州企业开办一件事")
    approve(submit(WZ_CLERK), WZ_REVIEWER)

    at = page(QJ_CLERK, open_digital_item=item_id)

    assert "万州企业开办一件事" not in texts(at)
    assert "一件事（0）" in [h.value for h in at.subheader]
    assert not [s for s in at.selectbox if s.key == "pick-digital_item"]
    review = page(QJ_REVIEWER, REVIEW)
    assert "万州企业开办一件事" not in texts(review)
    assert "暂无待审核的区县推进数字重庆建设情况" in texts(review)


def plan_files(at) -> list[str]:
    return [u.label for u in at.file_uploader if u.key.startswith("digital_plan-")]


def test_a_plan_asks_for_the_files_its_state_needs(app_db):
    at = page(QJ_CLERK)
    button(at, "＋ 新增应用“三张清单”").click().run()
    assert {"应用名称", "关联一件事", "当前状态"} <= {
        w.label for w in [*at.text_input, *at.multiselect, *at.radio]}
    assert not plan_files(at) and "“编制中”无需上传附件。" in texts(at)

    stage = by_label(at.radio, "当前状态")
    stage.set_value("区县数建办已论证审查通过正报市大数据发展局查重").run()
    assert plan_files(at) == ["区县数建办论证审查意见"]

    by_label(at.radio, "当前状态").set_value("市大数据发展局查重通过").run()
    assert plan_files(at) == ["区县数建办论证审查意见", "市大数据发展局查重通过意见", "三张清单文本"]
    assert "查重通过日期" in {d.label for d in at.date_input}


def test_the_first_full_survey_imports_a_filled_template_or_says_it_is_not_open(app_db):
    at = page(QJ_CLERK)
    try:
        from services.digital import survey
    except ImportError:  # the import arrives with services.digital.survey
        assert "全量摸排导入暂未开放，请逐条点击“＋”新增。" in texts(at)
        return
    from io import BytesIO
    from openpyxl import load_workbook

    assert "下载导入模板" in {b.label for b in at.get("download_button")}

    def filled(domain):
        book = load_workbook(BytesIO(survey.template()))
        sheet = book["一件事"]
        headers = [c.value for c in sheet[1]]
        for header, value in {"行号": 1, "事项名称": "企业开办一件事", "重点领域": domain,
                              "简介": "一次告知、一表申请",
                              "原一图两清单文件名": "企业开办原一图两清单.pdf"}.items():
            sheet.cell(row=2, column=headers.index(header) + 1, value=value)
        out = BytesIO()
        book.save(out)
        return out.getvalue()

    by_label(at.file_uploader, "填好的导入模板").set_value(
        ("摸排.xlsx", filled("不存在的领域"), "application/octet-stream"))
    button(at.run(), "导入").click().run()

    assert any("第2行" in e for e in errors(at)), errors(at)
    assert stored_items() == []

    by_label(at.file_uploader, "填好的导入模板").set_value(
        ("摸排.xlsx", filled("数字政府"), "application/octet-stream"))
    button(at.run(), "导入").click().run()

    assert not errors(at), errors(at)
    assert [(i.name, i.status) for i in stored_items()] == [("企业开办一件事", "草稿")]
    assert "已导入：一件事1条" in texts(at)
    assert "一件事“企业开办一件事”缺少：附件“原一图两清单”" in texts(at)
    (item,) = stored_items()
    at.selectbox(key="pick-digital_item").set_value(item.id).run()
    assert "原一图两清单：企业开办原一图两清单\\.pdf" in texts(at)  # 待上传, as announced

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _pass(phone=QJ_CLERK, reviewer=QJ_REVIEWER):
    approve(submit(phone), reviewer)


def _save(kind, values, uploads=(), phone=QJ_CLERK):
    clerk = user(phone)
    with db.session_scope() as s:
        return rows.save_row(s, actor=clerk, kind=kind, form_version=version(clerk),
                             values=values, uploads=list(uploads)).row.id


def _chain():
    """黔江区: an item at 进入三张清单编制等后续环节, a plan 查重通过 on it, an app launched on
    the plan and its sharing — all in force and displayed — plus a plan still 编制中."""
    from datetime import date
    from services.digital.apps import SCREENSHOT, SHARE_BASIS
    from services.digital.plans import CHECK_OPINION, LISTS_TEXT, REVIEW_OPINION

    item_id = add_item(QJ_CLERK, "企业开办一件事", charts=(ORIGINAL_CHART, NEW_CHART))
    _pass()
    with db.session_scope() as s:
        verdicts.give(s, actor=user(OFFICE), item_id=item_id, verdict="proceed",
                      version=s.get(DigitalItem, item_id).version)
    plan_id = _save("digital_plan", {"name": "企业开办应用", "item_ids": [item_id],
                                     "stage": "市大数据发展局查重通过",
                                     "passed_on": date(2026, 6, 1)},
                    [Upload(p, f"{p}.pdf", PDF) for p in (REVIEW_OPINION, CHECK_OPINION,
                                                          LISTS_TEXT)])
    _save("digital_plan", {"name": "不动产登记应用", "item_ids": [item_id], "stage": "编制中"})
    app_id = _save("digital_app", {"name": "渝快办企业开办", "plan_id": plan_id,
                                   "launched_on": date(2026, 7, 1), "functions": "一网通办",
                                   "integration": "跨部门", "volume": 100, "active_users": 20},
                   [Upload(SCREENSHOT, "界面.png", PNG)])
    _pass()
    share_id = _save("digital_share", {"app_id": app_id, "intro": "全市推广",
                                       "shared_on": date(2026, 8, 1)},
                     [Upload(SHARE_BASIS, "依据.pdf", PDF)])
    _pass()
    return item_id, plan_id, app_id, share_id


def test_each_table_shows_whether_its_rows_are_displayed_and_why_not(app_db):
    _chain()

    at = page(QJ_CLERK)

    plans, apps, shares = ({r["应用名称"]: r["晾晒"] for r in at.dataframe[1].value.to_dict("records")},
                           at.dataframe[2].value["晾晒"].tolist(),
                           at.dataframe[3].value["晾晒"].tolist())
    assert plans == {"企业开办应用": "已晾晒",
                     "不动产登记应用": "未晾晒：当前状态为“编制中”，市大数据发展局查重通过后晾晒"}
    assert apps == ["已晾晒"] and shares == ["已晾晒"]


def test_rows_of_every_table_open_prefilled_and_a_change_waits_for_the_review(app_db):
    item_id, plan_id, app_id, share_id = _chain()
    at = page(QJ_CLERK)

    for kind, row_id in (("digital_plan", plan_id), ("digital_share", share_id),
                         ("digital_app", app_id)):
        at.selectbox(key=f"pick-{kind}").set_value(row_id).run()
        at.button(key=f"edit-{kind}-{row_id}").click().run()
        assert not at.exception, at.exception
    assert by_label(at.text_input, "应用名称").value == "渝快办企业开办"
    assert by_label(at.number_input, "当前办件量").value == 100
    assert by_label(at.selectbox, "关联三张清单").value == plan_id

    by_label(at.number_input, "当前办件量").set_value(250)
    button(at, "保存").click().run()

    assert not errors(at), errors(at)
    with db.session_scope() as s:
        from models import DigitalApp
        app = s.get(DigitalApp, app_id)
        assert (app.volume, json.loads(app.pending)) == (100, {"volume": 250})
    assert at.dataframe[2].value["本次变更"].tolist() == ["修改"]


def test_a_row_changed_meanwhile_keeps_what_the_clerk_typed_and_refuses_the_save(app_db):
    item_id = add_item(QJ_CLERK, "企业开办一件事", intro="一次告知")
    at = page(QJ_CLERK)
    at.selectbox(key="pick-digital_item").set_value(item_id).run()
    at.button(key=f"edit-digital_item-{item_id}").click().run()
    by_label(at.text_area, "简介").input("一次告知、一表申请").run()
    with db.session_scope() as s:  # another clerk changes the same row
        other = make_user(s, org="黔江区")
        rows.save_row(s, actor=other, kind="digital_item", form_version=version(other),
                      row_id=item_id, values={"intro": "一网通办"})

    button(at.run(), "保存").click().run()

    assert errors(at) == [CONFLICT_MESSAGE]
    assert by_label(at.text_area, "简介").value == "一次告知、一表申请"
    assert stored_items()[0].intro == "一网通办"


def test_a_form_changed_after_the_reviewer_opened_it_is_not_approved_unseen(app_db):
    item_id, form_id = _in_force_item()
    at = page(WZ_REVIEWER, REVIEW)
    clerk = user(WZ_CLERK)
    with db.session_scope() as s:  # the clerk takes it back, changes it and submits again
        form = forms.withdraw(s, actor=clerk, form_id=form_id,
                              version=s.get(DigitalForm, form_id).version)
        rows.save_row(s, actor=clerk, kind="digital_item", form_version=form.version,
                      row_id=item_id, values={"intro": "一网通办"})
    submit(WZ_CLERK)

    button(at.run(), "通过").click().run()

    assert errors(at) == [CONFLICT_MESSAGE]
    assert stored_form(form_id).status == "待区县审核"
    assert "该填报在您打开后已有变化" in texts(at)

    button(at, "刷新").click().run()
    assert "新：" in texts(at) and "一网通办" in texts(at)
    button(at, "通过").click().run()

    assert not errors(at), errors(at)
    assert stored_form(form_id).status == "已通过"
    assert stored_items()[0].intro == "一网通办"
