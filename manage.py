"""Command line for every host, with or without make (Linux, 麒麟, 统信 UOS, Windows).

    python manage.py run [--port N]     create .venv, install, migrate, seed, serve the app
    python manage.py test [ARGS…]       create .venv, install, run pytest (ARGS go to pytest)
    python manage.py install            only create or refresh .venv
    python manage.py init               migrate and seed the database
    python manage.py backup [PATH]      archive database + uploads (default: <data dir>/backups/)
    python manage.py restore FILE       restore an archive into an empty data dir / database
    python manage.py bundle [PIP-ARGS…] offline bundle dist/reform-bundle-<version>.tar.gz
    python manage.py bench | load       benchmarks (SPEC §10)

Dependencies come from wheelhouse/ (pip --no-index) when that folder exists, else from the
package index. Only the standard library is imported at the top: the system python runs this
file before .venv exists, and it re-runs itself inside .venv for the steps that need the app.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WHEELHOUSE = ROOT / "wheelhouse"
REQUIREMENTS = ROOT / "requirements.txt"
MARKER = VENV / ".requirements.sha256"
WINDOWS = os.name == "nt"
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if WINDOWS else "bin/python")


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _requirements_digest() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(b"wheelhouse" if WHEELHOUSE.is_dir() else b"index")
    return digest.hexdigest()


def pip_install_command(python: Path) -> list:
    """pip install of the pinned requirements: offline from wheelhouse/ when it is there."""
    command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if WHEELHOUSE.is_dir():
        command += ["--no-index", "--find-links", str(WHEELHOUSE)]
    return command + ["-r", str(REQUIREMENTS)]


def install() -> Path:
    """Create .venv and install the requirements when they changed; return its python."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"需要 Python {'.'.join(map(str, MIN_PYTHON))} 或更高版本，当前为 "
                 f"{sys.version.split()[0]}。")
    python = venv_python()
    if not python.exists():
        print("正在创建虚拟环境 .venv …", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    digest = _requirements_digest()
    if not MARKER.exists() or MARKER.read_text().strip() != digest:
        source = "wheelhouse/（离线）" if WHEELHOUSE.is_dir() else "软件包索引"
        print(f"正在从{source}安装依赖 …", flush=True)
        subprocess.check_call(pip_install_command(python))
        MARKER.write_text(digest + "\n")
    return python


def _replace_process(argv: list) -> None:
    """Run argv in place of this process (POSIX), or as a child whose exit code we pass on."""
    sys.stdout.flush()
    sys.stderr.flush()
    if WINDOWS:
        sys.exit(subprocess.call(argv, cwd=ROOT))
    os.chdir(ROOT)
    os.execv(argv[0], argv)


def enter_venv() -> None:
    """Make sure .venv is installed, then continue this same command inside it."""
    python = install()
    if not in_venv():
        _replace_process([str(python), str(ROOT / "manage.py"), *sys.argv[1:]])


# Commands that run inside .venv (they import the app).

def init(_args=None) -> None:
    sys.path.insert(0, str(ROOT))
    from services import db, seed

    db.migrate()
    with db.session_scope() as session:
        seed.seed_all(session)
    print("数据库已就绪：", db.get_engine().url.render_as_string(hide_password=True), flush=True)


def run(args) -> None:
    init()
    from services import brand_zip
    brand_zip.remove_stale()  # 批量下载 archives a stopped server left behind
    port = str(args.port or os.environ.get("PORT") or 8501)
    _replace_process([sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
                      "--server.port", port, "--server.headless", "true",
                      "--browser.gatherUsageStats", "false",
                      "--server.fileWatcherType", "none"])


def test(args) -> None:
    _replace_process([sys.executable, "-m", "pytest", "-q", *args.rest])


def _fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    sys.exit(1)


def backup(args) -> None:
    sys.path.insert(0, str(ROOT))
    from services import backup as backups

    try:
        result = backups.create(destination=Path(args.path) if args.path else None,
                                progress=backups.TextProgress())
    except backups.BackupError as exc:
        _fail(str(exc))
    print(f"备份已写入：{result.path}")
    if missing := result.manifest["missing_uploads"]:
        print(f"注意：数据库记录的 {len(missing)} 个上传文件在上传目录中不存在（{missing[0]} 等）",
              file=sys.stderr)
    print("各表行数：" + "，".join(f"{t} {n}" for t, n in result.manifest["tables"].items()))


def restore(args) -> None:
    sys.path.insert(0, str(ROOT))
    from services import backup as backups

    try:
        manifest = backups.restore(Path(args.file), progress=backups.TextProgress())
    except backups.BackupError as exc:
        _fail(str(exc))
    print(f"已恢复 {args.file}（备份时间 {manifest['created_at']}，"
          f"{sum(manifest['tables'].values())} 行数据、"
          f"{len(backups.upload_members(manifest))} 个上传文件）。"
          "启动服务（python manage.py run）时会自动执行数据库迁移。")


def bench(_args) -> None:
    _replace_process([sys.executable, str(ROOT / "benchmarks" / "run.py")])


def load(args) -> None:
    _replace_process([sys.executable, str(ROOT / "benchmarks" / "load.py"), *args.rest])


# Commands that need no app packages.

def _version() -> str:
    try:
        out = subprocess.run(["git", "describe", "--tags", "--always", "--dirty"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        return out or time.strftime("%Y%m%d")
    except (OSError, subprocess.CalledProcessError):
        return time.strftime("%Y%m%d")


def _tracked_files() -> list:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode("utf-8").split("\0")
            if name and (ROOT / name).is_file()]


def bundle(args) -> None:
    """The app (git-tracked files) and a wheelhouse of every pinned dependency, in one archive.

    Extra arguments go to `pip download`, e.g. `--platform win_amd64 --python-version 3.11`
    for another target (README: 离线安装)."""
    version = args.version or _version()
    out_dir = Path(args.out).resolve() if args.out else ROOT / "dist"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"reform-bundle-{version}.tar.gz"
    top = f"reform-{version}"
    python = venv_python() if venv_python().exists() else Path(sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = Path(tmp) / "wheelhouse"
        print("正在下载依赖到 wheelhouse/ …", flush=True)
        subprocess.check_call([str(python), "-m", "pip", "download", "-q",
                               "--disable-pip-version-check", "--only-binary=:all:",
                               "-r", str(REQUIREMENTS), "-d", str(wheels), *args.rest])
        partial = target.with_name(target.name + ".part")
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            for name in _tracked_files():
                tar.add(ROOT / name, arcname=f"{top}/{name}", recursive=False)
            for wheel in sorted(wheels.iterdir()):
                tar.add(wheel, arcname=f"{top}/wheelhouse/{wheel.name}")
        os.replace(partial, target)
    print(f"离线安装包已写入：{target}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python manage.py",
                                     description="区县改革报表填报系统：安装、运行、测试、备份与恢复")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    sub.add_parser("install", help="创建 .venv 并安装依赖")
    sub.add_parser("init", help="迁移并初始化数据库")
    p = sub.add_parser("run", help="安装、迁移、初始化并启动服务")
    p.add_argument("--port", type=int, help="端口（默认取环境变量 PORT，否则 8501）")
    sub.add_parser("test", help="安装并运行测试（其余参数交给 pytest）")
    p = sub.add_parser("backup", help="备份数据库与上传文件")
    p.add_argument("path", nargs="?", help="备份文件或目录（默认：数据目录下的 backups/）")
    p = sub.add_parser("restore", help="把备份恢复到空的数据目录 / 空数据库")
    p.add_argument("file", help="备份文件")
    p = sub.add_parser("bundle", help="生成离线安装包（其余参数交给 pip download）")
    p.add_argument("--version", help="安装包版本号（默认 git describe）")
    p.add_argument("--out", help="输出目录（默认 dist/）")
    sub.add_parser("bench", help="查询基准测试")
    sub.add_parser("load", help="并发负载基准测试（其余参数交给 benchmarks/load.py）")
    return parser


IN_VENV = {"init": init, "run": run, "test": test, "backup": backup, "restore": restore,
           "bench": bench, "load": load}


PASS_THROUGH = {"test", "bundle", "load"}  # their other arguments go to pytest / pip / load.py


def main() -> None:
    parser = _parser()
    args, rest = parser.parse_known_args()
    if rest and args.command not in PASS_THROUGH:
        parser.error("无法识别的参数：" + " ".join(rest))
    args.rest = rest
    if args.command == "install":
        install()
    elif args.command == "bundle":
        bundle(args)
    else:
        enter_venv()
        IN_VENV[args.command](args)


if __name__ == "__main__":
    main()
