"""Command line for every host, with or without make (Linux, 麒麟, 统信 UOS, Windows).

    python manage.py run [--port N]     create .venv, install, migrate, seed, serve the app
    python manage.py test [ARGS…]       create .venv, install, run pytest (ARGS go to pytest)
    python manage.py install            only create or refresh .venv
    python manage.py init               migrate and seed the database
    python manage.py backup [PATH]      archive database + uploads (default: <data dir>/backups/)
    python manage.py restore FILE       restore an archive into an empty data dir / database
    python manage.py bundle [--target T] [--python V]
                                        offline bundle(s) dist/reform-bundle-<version>-<T>.tar.gz
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
REQUIREMENTS = ROOT / "requirements.txt"            # what the app needs (and the bundle holds)
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"    # plus the test tools, for `test`
WINDOWS = os.name == "nt"
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if WINDOWS else "bin/python")


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _marker(requirements: Path) -> Path:
    return VENV / f".{requirements.stem}.sha256"


def _requirements_digest(requirements: Path) -> str:
    digest = hashlib.sha256()
    for name in (REQUIREMENTS, requirements):  # requirements-dev.txt includes requirements.txt
        digest.update(name.read_bytes())
    digest.update(b"wheelhouse" if WHEELHOUSE.is_dir() else b"index")
    return digest.hexdigest()


def pip_install_command(python: Path, requirements: Path = REQUIREMENTS) -> list:
    """pip install of the pinned requirements: offline from wheelhouse/ when it is there."""
    command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if WHEELHOUSE.is_dir():
        command += ["--no-index", "--find-links", str(WHEELHOUSE)]
    return command + ["-r", str(requirements)]


def install(requirements: Path = REQUIREMENTS) -> Path:
    """Create .venv and install the requirements when they changed; return its python."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"需要 Python {'.'.join(map(str, MIN_PYTHON))} 或更高版本，当前为 "
                 f"{sys.version.split()[0]}。")
    python = venv_python()
    if not python.exists():
        print("正在创建虚拟环境 .venv …", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    digest = _requirements_digest(requirements)
    marker = _marker(requirements)
    if not marker.exists() or marker.read_text().strip() != digest:
        source = "wheelhouse/（离线）" if WHEELHOUSE.is_dir() else "软件包索引"
        print(f"正在从{source}安装{'测试' if requirements == DEV_REQUIREMENTS else ''}依赖 …",
              flush=True)
        if subprocess.call(pip_install_command(python, requirements)) != 0:
            sys.exit("依赖安装失败。" + ("离线安装包只含运行所需的依赖，不含测试工具（pytest 等）："
                                   "请在能访问软件包索引的机器上运行测试。"
                                   if WHEELHOUSE.is_dir() and requirements == DEV_REQUIREMENTS
                                   else "请检查网络或软件包索引设置后重试。"))
        marker.write_text(digest + "\n")
    return python


def _replace_process(argv: list) -> None:
    """Run argv in place of this process (POSIX), or as a child whose exit code we pass on."""
    sys.stdout.flush()
    sys.stderr.flush()
    if WINDOWS:
        sys.exit(subprocess.call(argv, cwd=ROOT))
    os.chdir(ROOT)
    os.execv(argv[0], argv)


def enter_venv(requirements: Path = REQUIREMENTS) -> None:
    """Make sure .venv is installed, then continue this same command inside it."""
    python = install(requirements)
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


def tick(_args=None) -> None:
    """The clock's steps (数字重庆建设: 移除名录库 when a deadline passed); safe to run any
    number of times — a daily cron job / Windows scheduled task (README 运维)."""
    sys.path.insert(0, str(ROOT))
    from services import db
    from services.digital import deadlines

    with db.session_scope() as session:
        taken = deadlines.tick(session)
    print(f"期限检查完成：移除名录库 {taken} 项", flush=True)


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


# The machines the offline bundle is for: pip platform tags, and the environment markers of
# that machine (pip evaluates a dependency's markers, e.g. `colorama; platform_system ==
# "Windows"`, for the machine it runs on, so the bundle walks them itself for the target).
def _manylinux(arch: str) -> list[str]:
    """glibc 2.28 (麒麟 V10, 统信 UOS 20) and every older manylinux tag a wheel may carry."""
    legacy = ["manylinux2014", "manylinux2010", "manylinux1"] if arch == "x86_64" \
        else ["manylinux2014"]
    return [f"manylinux_2_{minor}_{arch}" for minor in range(28, 16, -1)] + \
        [f"{tag}_{arch}" for tag in legacy]


TARGETS = {
    "linux-x86_64": (_manylinux("x86_64"), {
        "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
        "platform_machine": "x86_64"}),
    "linux-aarch64": (_manylinux("aarch64"), {  # 鲲鹏 / 飞腾 with 麒麟, 统信 UOS
        "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
        "platform_machine": "aarch64"}),
    "windows-amd64": (["win_amd64"], {
        "sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
        "platform_machine": "AMD64"}),
}
PYTHONS = ["3.11", "3.12", "3.13"]


def host_target() -> str:
    import platform
    machine = platform.machine().lower()
    if WINDOWS:
        return "windows-amd64"
    return "linux-aarch64" if machine in ("aarch64", "arm64") else "linux-x86_64"


def _packaging():
    try:
        from packaging.markers import default_environment
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name, parse_wheel_filename
    except ImportError:  # the system python before .venv: pip carries packaging
        from pip._vendor.packaging.markers import default_environment
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    return default_environment, Requirement, canonicalize_name, parse_wheel_filename


def _requires(wheel: Path) -> list[str]:
    import zipfile
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(name).decode("utf-8", "replace")
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("Requires-Dist:")]


def missing_for(wheels: Path, target: str, python_version: str) -> list[str]:
    """Requirements the target machine needs that no wheel in `wheels` provides."""
    default_environment, Requirement, canonicalize_name, parse_wheel_filename = _packaging()
    env = {**default_environment(), **TARGETS[target][1], "python_version": python_version,
           "python_full_version": f"{python_version}.0", "implementation_name": "cpython",
           "platform_python_implementation": "CPython"}
    abi = "cp" + python_version.replace(".", "")
    available: dict[str, list[Path]] = {}
    for wheel in wheels.glob("*.whl"):
        name, _, _, tags = parse_wheel_filename(wheel.name)
        if any(t.interpreter in ("py3", abi) or t.abi == "abi3" for t in tags):
            available.setdefault(canonicalize_name(name), []).append(wheel)
    wanted = [(Requirement(line), "") for line in _requirement_lines(REQUIREMENTS)]
    seen, missing = set(), []
    while wanted:
        req, extra = wanted.pop()
        if req.marker and not req.marker.evaluate({**env, "extra": extra}):
            continue
        key = (canonicalize_name(req.name), tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        found = available.get(key[0])
        if not found:
            missing.append(str(req).split(";")[0])
            continue
        for line in _requires(found[0]):
            for wanted_extra in ("",) + key[1]:
                wanted.append((Requirement(line), wanted_extra))
    return sorted(set(missing))


def _requirement_lines(path: Path) -> list[str]:
    return [line.split("#")[0].strip() for line in path.read_text().splitlines()
            if line.split("#")[0].strip() and not line.startswith("-")]


def _pip_platform_args(target: str, python_version: str) -> list[str]:
    args = []
    for tag in TARGETS[target][0]:
        args += ["--platform", tag]
    return args + ["--python-version", python_version, "--implementation", "cp",
                   "--only-binary=:all:"]


def download_wheels(wheels: Path, target: str, python_version: str, python: Path) -> None:
    """Every wheel the app needs on `target` with CPython `python_version`, into `wheels`."""
    pip = [str(python), "-m", "pip", "download", "-q", "--disable-pip-version-check",
           "-d", str(wheels), *_pip_platform_args(target, python_version)]
    subprocess.check_call(pip + ["-r", str(REQUIREMENTS)])
    for _ in range(5):  # dependencies only the target's markers ask for
        missing = missing_for(wheels, target, python_version)
        if not missing:
            return
        subprocess.check_call(pip + ["--no-deps", *missing])
    raise SystemExit(f"无法补齐 {target} / Python {python_version} 的依赖：{'、'.join(missing)}")


def check_wheels(wheels: Path, target: str, python_version: str, python: Path) -> None:
    """Resolve the requirements from `wheels` alone, as the target machine will (offline)."""
    if missing := missing_for(wheels, target, python_version):
        raise SystemExit(f"{target} / Python {python_version} 缺少依赖：{'、'.join(missing)}")
    with tempfile.TemporaryDirectory() as into:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--dry-run", "--no-index", "-q",
             "--ignore-requires-python",  # pip checks it against itself; download checked it
             "--disable-pip-version-check", "--find-links", str(wheels), "--target", into,
             *_pip_platform_args(target, python_version), "-r", str(REQUIREMENTS)],
            capture_output=True, text=True, env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    if done.returncode != 0:
        raise SystemExit(f"{target} / Python {python_version} 的依赖不能离线安装：\n"
                         f"{done.stderr.strip()[-2000:]}")


def bundle(args) -> None:
    """The app (git-tracked files) and a wheelhouse of every pinned dependency, per target
    machine (all chosen Python versions in one wheelhouse; pip picks the host's), each set
    checked to install offline. The test tools are not in it (requirements-dev.txt)."""
    version = args.version or _version()
    out_dir = Path(args.out).resolve() if args.out else ROOT / "dist"
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = list(TARGETS) if args.target == "all" else [args.target or host_target()]
    pythons = PYTHONS if args.python == "all" else [
        args.python or f"{sys.version_info.major}.{sys.version_info.minor}"]
    python = venv_python() if venv_python().exists() else Path(sys.executable)
    top = f"reform-{version}"
    for target in targets:
        name = f"reform-bundle-{version}.tar.gz" if args.target is None and args.python is None \
            else f"reform-bundle-{version}-{target}.tar.gz"
        destination = out_dir / name
        with tempfile.TemporaryDirectory() as tmp:
            wheels = Path(tmp) / "wheelhouse"
            for python_version in pythons:
                print(f"正在下载 {target} / Python {python_version} 的依赖 …", flush=True)
                download_wheels(wheels, target, python_version, python)
                check_wheels(wheels, target, python_version, python)
            partial = destination.with_name(destination.name + ".part")
            with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
                for tracked in _tracked_files():
                    tar.add(ROOT / tracked, arcname=f"{top}/{tracked}", recursive=False)
                for wheel in sorted(wheels.iterdir()):
                    tar.add(wheel, arcname=f"{top}/wheelhouse/{wheel.name}")
            os.replace(partial, destination)
        size = destination.stat().st_size / 1048576
        print(f"离线安装包已写入：{destination}（{size:.0f} MB；{target}，Python "
              f"{'、'.join(pythons)}，已离线校验）", flush=True)


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
    p = sub.add_parser("bundle", help="生成离线安装包（每种目标机器一个）")
    p.add_argument("--target", choices=[*TARGETS, "all"],
                   help="目标机器（默认本机）：linux-x86_64、linux-aarch64（鲲鹏、飞腾）、"
                        "windows-amd64，或 all")
    p.add_argument("--python", choices=[*PYTHONS, "all"],
                   help="目标机器的 Python 版本（默认本机的版本），或 all（3.11–3.13）")
    p.add_argument("--version", help="安装包版本号（默认 git describe）")
    p.add_argument("--out", help="输出目录（默认 dist/）")
    sub.add_parser("tick", help="执行到期的自动步骤（如一件事移除名录库），可每天定时运行")
    sub.add_parser("bench", help="查询基准测试")
    sub.add_parser("load", help="并发负载基准测试（其余参数交给 benchmarks/load.py）")
    return parser


IN_VENV = {"init": init, "run": run, "tick": tick, "test": test, "backup": backup,
           "restore": restore, "bench": bench, "load": load}


PASS_THROUGH = {"test", "load"}  # their other arguments go to pytest / load.py


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
        enter_venv(DEV_REQUIREMENTS if args.command == "test" else REQUIREMENTS)
        IN_VENV[args.command](args)


if __name__ == "__main__":
    main()
