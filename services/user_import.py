"""Bulk user import from the Excel template: all rows valid, or nothing is written."""
from sqlalchemy import select
from sqlmodel import Session

from models import ROLE_BY_LABEL, ROLE_LABELS, Org, User
from services import accounts
from services.errors import RowErrors, ValidationError
from services.exports import read_xlsx, to_xlsx
from services.identity import CurrentUser
from services.passwords import phone_problem

HEADERS = ["手机号", "姓名", "所属单位", "角色"]


def template() -> bytes:
    """The downloadable template with one example row."""
    example = {"手机号": "13812345678", "姓名": "张三", "所属单位": "万州区",
               "角色": "录入员、审核员"}
    return to_xlsx([example], headers=HEADERS, sheet="用户导入")


def _split_roles(text: str) -> list[str]:
    for sep in "，,；; /":
        text = text.replace(sep, "、")
    return [part.strip() for part in text.split("、") if part.strip()]


def import_users(session: Session, *, actor: CurrentUser, data: bytes) -> int:
    """Validate every row, then create all users in one transaction. Returns the count."""
    accounts.require_admin(actor)
    rows = read_xlsx(data)
    if not rows:
        raise ValidationError("文件中没有数据行，请按模板填写后再导入")
    orgs = {name: oid for oid, name in session.execute(select(Org.id, Org.name)).all()}
    existing = set(session.execute(select(User.phone)).scalars().all())
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    parsed = []
    for number, row in rows:
        phone = str(row.get("手机号") or "").strip()
        if phone.endswith(".0"):  # a number cell typed as float
            phone = phone[:-2]
        name = str(row.get("姓名") or "").strip()
        org_name = str(row.get("所属单位") or "").strip()
        role_labels = _split_roles(str(row.get("角色") or ""))
        problems = []
        if (p := phone_problem(phone)) is not None:
            problems.append(p)
        elif phone in existing:
            problems.append(f"手机号“{phone}”已被注册")
        elif phone in seen:
            problems.append(f"手机号“{phone}”与第{seen[phone]}行重复")
        if not name:
            problems.append("姓名为空")
        if org_name not in orgs:
            problems.append(f"所属单位“{org_name}”不存在")
        bad_roles = [r for r in role_labels if r not in ROLE_BY_LABEL]
        if not role_labels:
            problems.append("角色为空")
        elif bad_roles:
            problems.append(f"角色“{'、'.join(bad_roles)}”不存在（可选："
                            f"{'、'.join(ROLE_LABELS.values())}）")
        seen.setdefault(phone, number)
        if problems:
            errors.append((number, "；".join(problems)))
        else:
            parsed.append((number, phone, name, orgs[org_name],
                           {ROLE_BY_LABEL[r].value for r in role_labels}))
    if errors:
        raise RowErrors(errors)
    for number, phone, name, org_id, roles in parsed:
        try:
            accounts.create_user(session, actor=actor, phone=phone, name=name, org_id=org_id,
                                 roles=roles, commit=False)
        except ValidationError as exc:
            session.rollback()
            raise RowErrors([(number, str(exc))]) from exc
    session.commit()
    return len(parsed)

