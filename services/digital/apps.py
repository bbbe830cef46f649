"""开发上线特色应用 (SPEC §5.3) and 一地创新、全市共享 (SPEC §5.4): an app launched on one own
三张清单, shown with at least one screenshot; a shared app is one of the district's own launched
apps, with the basis of the sharing decision."""
from sqlmodel import Session

from models import DigitalApp, DigitalPlan, DigitalShare
from services import clock, files, records
from services.digital import plans as plans_mod
from services.digital.common import (
    DELETED, ROW_ENGINE, ROW_ENGINE_LABELS, ROW_INTERNAL, SECTION, RowKind, readable_rows,
    row_transitions,
)
from services.errors import ValidationError
from services.identity import CurrentUser
from services.registry import register
from services.review import Flow

APP_MODULE = "digital_app"
SHARE_MODULE = "digital_share"

SCREENSHOT = "应用功能界面截图"
MAX_COUNT = 2_000_000_000  # 当前办件量 / 当前活跃用户数: what an integer column holds everywhere
SHARE_BASIS = "一地创新、全市共享依据"

APP_LABELS = {"name": "应用名称", "plan_id": "关联三张清单", "launched_on": "上线时间",
              "functions": "主要功能", "integration": "三融五跨情况", "volume": "当前办件量",
              "active_users": "当前活跃用户数"}
SHARE_LABELS = {"app_id": "关联特色应用", "intro": "应用简介", "shared_on": "认定共享日期"}
SHARE_INTRO_HINT = ("应用简介与开发上线特色应用的填写要求一致：上线时间、主要功能、“三融五跨”情况、"
                    "当前办件量、当前活跃用户数等")


APP_FLOW = register(Flow(
    module=APP_MODULE, label="开发上线特色应用", model=DigitalApp, title_field="name",
    labels={**APP_LABELS, **ROW_ENGINE_LABELS}, hidden=ROW_INTERNAL | {"plan_id"}, section=SECTION,
    action_labels={"forward": "区县审核通过", "cancel": "删除", "delete": "删除"},
    opened_on="digital_form",
    open_key="open_digital_app", readable=readable_rows(DigitalApp), engine_columns=ROW_ENGINE,
    print_fields=("name", "plan_id", "launched_on", "functions", "integration", "volume",
                  "active_users"),
    transitions=row_transitions(),
))
SHARE_FLOW = register(Flow(
    module=SHARE_MODULE, label="一地创新、全市共享", model=DigitalShare, title_field="intro",
    labels={**SHARE_LABELS, **ROW_ENGINE_LABELS}, hidden=ROW_INTERNAL | {"app_id"}, section=SECTION,
    action_labels={"forward": "区县审核通过", "cancel": "删除", "delete": "删除"},
    opened_on="digital_form",
    open_key="open_digital_share", readable=readable_rows(DigitalShare), engine_columns=ROW_ENGINE,
    print_fields=("app_id", "intro", "shared_on"),
    transitions=row_transitions(),
))


def _own(session: Session, model: type, row_id, actor: CurrentUser, what: str):
    if row_id is None:
        return None
    if not records.is_id(row_id):
        raise ValidationError(f"只能关联本区县的{what[2:]}")
    found = session.get(model, row_id)
    if found is None or found.org_id != actor.org_id or found.status == DELETED:
        raise ValidationError(f"只能关联本区县的{what[2:]}")
    return found


def _validate_app(session: Session, actor: CurrentUser, values: dict, row) -> None:
    if "plan_id" in values:
        _own(session, DigitalPlan, values["plan_id"], actor, "关联三张清单")
    launched = values.get("launched_on")
    if launched is not None and launched > clock.today():
        raise ValidationError(f"“上线时间”{launched:%Y-%m-%d} 晚于今天，请按实际上线时间填写")
    for name in ("volume", "active_users"):
        if name in values and values[name] is not None:
            value = values[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
                raise ValidationError(f"“{APP_LABELS[name]}”须为 0 到 20 亿之间的整数")


def _validate_share(session: Session, actor: CurrentUser, values: dict, row) -> None:
    if "app_id" in values:
        _own(session, DigitalApp, values["app_id"], actor, "关联特色应用")
    shared = values.get("shared_on")
    if shared is not None and shared > clock.today():
        raise ValidationError(f"“认定共享日期”{shared:%Y-%m-%d} 晚于今天，请按实际日期填写")


APP = RowKind(
    key=APP_MODULE, label="开发上线特色应用", table="开发上线特色应用", flow=APP_FLOW,
    fields=[("name", "应用名称"), ("plan_id", "关联三张清单"), ("launched_on", "上线时间"),
            ("functions", "主要功能"), ("integration", "三融五跨情况"), ("volume", "当前办件量"),
            ("active_users", "当前活跃用户数")],
    required=["name", "plan_id", "launched_on", "functions"],
    purposes={SCREENSHOT: files.IMAGE},
    needed_files=lambda values: [SCREENSHOT],
    validate=_validate_app,
)
SHARE = RowKind(
    key=SHARE_MODULE, label="一地创新、全市共享", table="一地创新、全市共享", flow=SHARE_FLOW,
    fields=[("app_id", "关联特色应用"), ("intro", "应用简介"), ("shared_on", "认定共享日期")],
    required=["app_id", "intro", "shared_on"],
    title_field="intro",
    purposes={SHARE_BASIS: files.CHART},
    needed_files=lambda values: [SHARE_BASIS],
    validate=_validate_share,
)

__all__ = ["APP", "SHARE", "APP_FLOW", "SHARE_FLOW", "plans_mod"]
