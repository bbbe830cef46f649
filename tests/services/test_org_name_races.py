"""Eight administrators add look-alike department names at once (`市AI局`, `市ａｉ局`, `市Ai局` …,
one name once folded as a 文号 is): exactly one is added, every other is told the name exists,
on SQLite and PostgreSQL."""
import threading
import time

from sqlalchemy import select
from sqlmodel import Session

from models import Org, Role
from services import docnumbers, orgs
from services.errors import DomainError
from tests.factories import make_user

NAMES = ["市AI局", "市ai局", "市Ai局", "市aI局", "市ＡＩ局", "市ａｉ局", "市Ａi局", "市aＩ局\u200b"]


def test_eight_admins_adding_look_alike_departments_at_once_add_exactly_one(session, engine,
                                                                           monkeypatch):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    fold = docnumbers.fold

    def slow_fold(text):  # widens the window between reading the names and adding one
        time.sleep(0.002)
        return fold(text)
    monkeypatch.setattr(docnumbers, "fold", slow_fold)
    barrier = threading.Barrier(len(NAMES))
    outcomes: list[str] = []

    def add(name: str) -> None:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                orgs.create_department(s, actor=admin, name=name)
                outcomes.append("added")
            except DomainError as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=add, args=(name,)) for name in NAMES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("added") == 1, outcomes
    assert all("已存在" in o or "请刷新后重试" in o for o in outcomes if o != "added"), outcomes
    session.expire_all()
    stored = [n for n in session.execute(select(Org.name)).scalars() if fold(n) == fold("市AI局")]
    assert len(stored) == 1, stored
