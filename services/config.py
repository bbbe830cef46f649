"""Where runtime data lives and which database to use (environment-driven)."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    path = Path(os.environ.get("REFORM_DATA_DIR", ROOT / "data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_dir() -> Path:
    path = data_dir() / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir() / 'reform.db'}"


def cookie_key() -> str:
    """The cookie signing key: from the environment, else generated once into the data dir."""
    if key := os.environ.get("REFORM_COOKIE_KEY"):
        return key
    path = data_dir() / "cookie_key"
    if not path.exists():
        # Written whole under a temporary name, then linked: two instances starting at once on
        # a shared data dir both end up reading the one key that won.
        tmp = path.with_name(f".cookie_key-{os.getpid()}-{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
