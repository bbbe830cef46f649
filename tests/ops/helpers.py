"""Realistic content for operations tests, made through the services."""
from models import Role
from services import db, files, notifications, pilots, progress, seed
from services.review import Action
from tests.factories import make_user
from tests.services.pilot_helpers import cast, distributed, submitted
from tests.services.test_files import PNG
from tests.services.test_progress import task_of, walk


def populate(url: str) -> None:
    """Seeded orgs and demo users, a distributed pilot with evidence, a confirmed progress
    revision with achievements, a returned pilot, an image upload and notifications."""
    db.migrate(url)
    with db.session_scope(db.get_engine(url)) as s:
        seed.seed_all(s)
        w = cast(s)
        pilot = distributed(s, w)
        rev = progress.start_revision(s, actor=w.clerk, task_id=task_of(s, w.wanzhou).id)
        walk(s, w, rev)
        other = submitted(s, w, doc_number="渝府发〔2024〕3号", name="“智慧”社区<b>改革</b>试点")
        pilots.act(s, actor=w.reviewer, pilot_id=other.id, action=Action.REJECT,
                   version=other.version, comment="请补充国家文件原文 =SUM(A1)")
        files.store(s, actor=w.clerk, filename="现场照片.png", data=PNG,
                    allowed=files.IMAGE, record_type="pilot", record_id=pilot.id,
                    purpose="现场照片")
        leader = make_user(s, org="万州区", role=Role.LEADER)
        notifications.send(s, user_ids=[w.clerk.id, leader.id], record_type="pilot",
                           record_id=pilot.id, title="【督办提醒】请尽快更新推进状态", body="本周五前")
        s.commit()
