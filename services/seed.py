"""Seed data: the 41 districts, municipal departments, 市委改革办 and the demo accounts."""
from sqlalchemy import func, select
from sqlmodel import Session

from models import Org, OrgKind, Role, User, UserRole
from services.passwords import INITIAL_PASSWORD, hash_password

DISTRICTS = [
    "万州区", "黔江区", "涪陵区", "渝中区", "大渡口区", "江北区", "沙坪坝区", "九龙坡区", "南岸区",
    "北碚区", "綦江区", "大足区", "渝北区", "巴南区", "长寿区", "江津区", "合川区", "永川区",
    "南川区", "璧山区", "铜梁区", "潼南区", "荣昌区", "开州区", "梁平区", "武隆区",
    "城口县", "丰都县", "垫江县", "忠县", "云阳县", "奉节县", "巫山县", "巫溪县",
    "石柱土家族自治县", "秀山土家族苗族自治县", "酉阳土家族苗族自治县", "彭水苗族土家族自治县",
    "两江新区", "西部科学城重庆高新区", "万盛经开区",
]
DEPARTMENTS = [
    "市发展改革委", "市教委", "市科技局", "市经济信息委", "市公安局", "市民政局", "市司法局",
    "市财政局", "市人力社保局", "市规划自然资源局", "市生态环境局", "市住房城乡建委",
    "市城市管理局", "市交通运输委", "市水利局", "市农业农村委", "市商务委", "市文化旅游委",
    "市卫生健康委", "市应急管理局", "市国资委", "市市场监管局", "市体育局", "市医保局",
    "市大数据发展局",
]
REFORM_OFFICE = "市委改革办"

DEMO_ACCOUNTS = [
    ("13800000000", "系统管理员", REFORM_OFFICE, [Role.ADMIN]),
    ("13800000101", "万州录入员", "万州区", [Role.CLERK]),
    ("13800000102", "万州审核员", "万州区", [Role.REVIEWER]),
    ("13800000103", "万州领导", "万州区", [Role.LEADER]),
    ("13800000201", "黔江录入员", "黔江区", [Role.CLERK]),
    ("13800000202", "黔江审核员", "黔江区", [Role.REVIEWER]),
    ("13800000203", "黔江领导", "黔江区", [Role.LEADER]),
    ("13900000101", "发改委录入员", "市发展改革委", [Role.CLERK]),
    ("13900000102", "发改委审核员", "市发展改革委", [Role.REVIEWER]),
    ("13900000201", "大数据局录入员", "市大数据发展局", [Role.CLERK]),
    ("13900000202", "大数据局审核员", "市大数据发展局", [Role.REVIEWER]),
    ("13700000101", "改革办审核员甲", REFORM_OFFICE, [Role.REVIEWER]),
    ("13700000102", "改革办审核员乙", REFORM_OFFICE, [Role.REVIEWER]),
    ("13700000103", "改革办领导", REFORM_OFFICE, [Role.LEADER]),
]


def seed_orgs(session: Session) -> None:
    if session.execute(select(func.count()).select_from(Org)).scalar_one():
        return
    order = 0
    for kind, names in ((OrgKind.DISTRICT, DISTRICTS), (OrgKind.DEPARTMENT, DEPARTMENTS),
                        (OrgKind.REFORM_OFFICE, [REFORM_OFFICE])):
        for name in names:
            order += 1
            session.add(Org(name=name, kind=kind, sort_order=order))
    session.commit()


def seed_demo_accounts(session: Session) -> None:
    if session.execute(select(func.count()).select_from(User)).scalar_one():
        return
    orgs = {o.name: o.id for o in session.execute(select(Org)).scalars()}
    initial = hash_password(INITIAL_PASSWORD)  # one hash: seeding stays fast
    for phone, name, org, roles in DEMO_ACCOUNTS:
        user = User(phone=phone, name=name, org_id=orgs[org], password_hash=initial)
        session.add(user)
        session.flush()
        for role in roles:
            session.add(UserRole(user_id=user.id, role=role.value))
    session.commit()


def seed_all(session: Session) -> None:
    """Seed what is missing; running it again changes nothing."""
    seed_orgs(session)
    seed_demo_accounts(session)
