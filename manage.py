"""Command line: `python manage.py init` migrates and seeds the database."""
import sys

from services import db, seed


def init() -> None:
    db.migrate()
    with db.session_scope() as session:
        seed.seed_all(session)
    print("数据库已就绪：", db.get_engine().url.render_as_string(hide_password=True))


if __name__ == "__main__":
    commands = {"init": init}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(f"用法：python manage.py {{{'|'.join(commands)}}}")
        sys.exit(2)
    commands[sys.argv[1]]()
