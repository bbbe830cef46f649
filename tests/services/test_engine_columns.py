"""Engine columns are the engine's: no module's create or save takes id, version, status, org,
authors or timestamps (approved_at, confirmed_at …) from a form; a refusal names the field
and writes nothing."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from models import BrandEntry
from services import brand, records, registry
from services.errors import ValidationError
from tests.services.brand_helpers import cast, good_input, snapshot

STAMP = datetime(2024, 6, 1, tzinfo=timezone.utc)


def brand_values(w) -> dict:
    return dict(good_input(w).__dict__) | {"is_secret": False, "sent_offline": False,
                                           "brief_mention": False, "summary_signed": False,
                                           "commendation": "否"}


def test_every_flow_declares_its_engine_columns_with_its_timestamps():
    owned = {f.module: f.engine_owned for f in registry.flows()}

    for module, columns in owned.items():
        assert {"id", "status", "version", "org_id", "created_by", "created_at",
                "updated_at"} <= columns, module
    assert "approved_at" in owned["brand"] and "confirmed_at" in owned["progress"]
    assert "item" not in owned["brand"] and "awarded_on" not in owned["brand"]


@pytest.mark.parametrize("column, value, label", [
    ("id", 424242, "编号"), ("version", 7, "版本号"), ("status", "已通过", "状态"),
    ("approved_at", STAMP, "通过时间"), ("org_id", 1, "所属单位")])
def test_create_refuses_engine_columns_and_writes_nothing(session, column, value, label):
    w = cast(session)
    values = {k: v for k, v in brand_values(w).items() if k in BrandEntry.model_fields}
    values[column] = value

    with pytest.raises(ValidationError, match=f"不能填写{label}") as refused:
        records.create(session, flow=brand.BRAND_FLOW, actor=w.clerk, values=values)

    assert "审核流程维护" in str(refused.value)
    session.rollback()
    assert session.execute(select(func.count()).select_from(BrandEntry)).scalar_one() == 0


@pytest.mark.parametrize("column, value, label", [
    ("approved_at", STAMP, "通过时间"), ("version", 9, "版本号"), ("created_by", 1, "创建人"),
    ("id", 424242, "编号")])
def test_save_refuses_engine_columns_on_a_draft_and_changes_nothing(session, column, value,
                                                                    label):
    w = cast(session)
    entry = brand.create(session, actor=w.clerk, data=good_input(w))
    before = snapshot(session)

    with pytest.raises(ValidationError, match=f"不能填写{label}"):
        records.save(session, flow=brand.BRAND_FLOW, actor=w.clerk, record_id=entry.id,
                     version=entry.version, values={"item": "改写后的事项", column: value})
    session.rollback()

    assert snapshot(session) == before
    assert session.get(BrandEntry, entry.id, populate_existing=True).approved_at is None


@pytest.mark.parametrize("save", [False, True])
def test_a_name_that_is_no_field_of_the_record_is_refused_not_dropped(session, save):
    w = cast(session)
    entry = brand.create(session, actor=w.clerk, data=good_input(w))
    before = snapshot(session)

    with pytest.raises(ValidationError, match="没有这些字段：foo"):
        if save:
            records.save(session, flow=brand.BRAND_FLOW, actor=w.clerk, record_id=entry.id,
                         version=entry.version, values={"item": "改写后的事项", "foo": 1})
        else:
            records.create(session, flow=brand.BRAND_FLOW, actor=w.clerk,
                           values={"item": "建立新机制", "foo": 1})
    session.rollback()

    assert snapshot(session) == before
