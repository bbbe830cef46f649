"""Bulk user import from the Excel template: all rows valid, or nothing is written."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import ROLE_BY_LABEL, ROLE_LABELS, Org, User
from services import accounts, limits
from services.db import transactional
from services.errors import DomainError, RowErrors, ValidationError
from services.exports import read_xlsx, to_xlsx
from services.identity import CurrentUser
from services.passwords import INITIAL_PASSWORD, hash_password, normalize_phone, phone_problem

HEADERS = ["手机号", "姓名", "所属单位", "角色"]
MAX_ROWS = 5000


def template() -> bytes:
    """The downloadable template with one example row."""
    example = {"手机号": "13812345678", "姓名": "张三", "所属单位": "万州区",
               "角色": "录入员、审核员"}
    return to_xlsx([example], headers=HEADERS, sheet="用户导入")


def _split_roles(text: str) -> list[str]:
    for sep in "，,；; /":
        text = text.replace(sep, "、")
    return [part.strip() for part in text.split("、") if part.strip()]


def _phone_text(value) -> str:
    if isinstance(value, float) and value.is_integer():  # a number cell
        value = int(value)
    phone = normalize_phone(str(value or ""))
    return phone[:-2] if phone.endswith(".0") else phone


@transactional
def import_users(session: Session, *, actor: CurrentUser, data: bytes) -> int:
    """Validate every row, then create all users in one short transaction. Returns the count.

    Every imported user gets the initial password, hashed once before anything is written, so
    the write lock is held for a few statements, not for one slow hash per row.
    """
    accounts.require_active_admin(session, actor)
    rows = read_xlsx(data)
    if not rows:
        raise ValidationError("文件中没有数据行，请按模板填写后再导入")
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"一次最多导入{MAX_ROWS}行，当前{len(rows)}行，请分批导入")
    orgs = {org.name: org for org in session.execute(select(Org)).scalars()}
    existing = set(session.execute(select(User.phone)).scalars().all())
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    parsed = []
    for number, row in rows:
        phone = _phone_text(row.get("手机号"))
        name = str(row.get("姓名") or "").strip()
        org_name = str(row.get("所属单位") or "").strip()
        role_labels = _split_roles(str(row.get("角色") or ""))
        bad_text = {label: p for label, text in (("所属单位", org_name),
                                                 ("角色", str(row.get("角色") or "")))
                    if (p := limits.text_problem(label, text, multiline=False))}
        problems = list(bad_text.values())
        if (p := phone_problem(phone)) is not None:
            problems.append(p)
        elif phone in existing:
            problems.append(f"手机号“{phone}”已被注册")
        elif phone in seen:
            problems.append(f"手机号“{phone}”与第{seen[phone]}行重复")
        try:
            accounts.clean_name(name)
        except DomainError as exc:
            problems.append("姓名为空" if not name else str(exc))
        org = orgs.get(org_name)
        if org is None and "所属单位" not in bad_text:
            problems.append(f"所属单位“{org_name[:64]}”不存在")
        bad_roles = [r for r in role_labels if r not in ROLE_BY_LABEL]
        if "角色" in bad_text:
            pass
        elif not role_labels:
            problems.append("角色为空")
        elif bad_roles:
            problems.append(f"角色“{'、'.join(r[:20] for r in bad_roles)}”不存在（可选："
                            f"{'、'.join(ROLE_LABELS.values())}）")
        elif org is not None:
            roles = {ROLE_BY_LABEL[r].value for r in role_labels}
            if (p := accounts.role_problem(roles, org)) is not None:
                problems.append(p)
        seen.setdefault(phone, number)
        if problems:
            errors.append((number, "；".join(problems)))
        else:
            parsed.append((phone, name, org, {ROLE_BY_LABEL[r].value for r in role_labels}))
    if errors:
        raise RowErrors(errors)
    session.commit()  # end the reads: nothing is held while hashing
    password_hash = hash_password(INITIAL_PASSWORD)
    try:
        accounts.insert_users(session, actor=actor, accounts=parsed, password_hash=password_hash,
                              comment="批量导入")
        session.commit()
    except IntegrityError:  # a phone number registered by someone else during the import
        session.rollback()
        raise ValidationError("导入期间有手机号已被他人注册，未导入任何用户，请重新上传后再试") \
            from None
    return len(parsed)
