"""Load benchmark (SPEC §10): N concurrent browser sessions against one app instance.

Builds an S=1 database through the services (users, pilots through their review chain, progress
revisions with achievements), starts the server exactly as `python manage.py run` does, then for
each N runs N headless Chromium sessions at once that log in and open every page of their menu.
Reports errors, median / p95 time to a finished render, the server's CPU seconds per session and
per page view (read from /proc for the server's process tree only, so the browsers' CPU is not
counted) and the server's peak RSS. `--profile` samples the server with py-spy during the first
level and prints where its time goes.

    make load                                   # N = 10, 20, 30 on S=1 (SQLite)
    python manage.py load --sessions 5 --profile
    python manage.py load --fresh               # build anew in a temporary dir
    DATABASE_URL=postgresql+psycopg://… python manage.py load   # an EMPTY PostgreSQL database

The built data dir (default data/load-s<S>/) is reused by later runs: building takes minutes.
"""
import argparse
import asyncio
import collections
import functools
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, update  # noqa: E402

from models import (  # noqa: E402
    Achievement, Org, OrgKind, Pilot, ProgressRevision, ProgressTask, Role, User,
)
from services import accounts, db, pilots, progress, seed  # noqa: E402
from services.pilots import NATIONAL_DOC, PilotInput, Upload  # noqa: E402
from services.progress import AchievementInput, ProgressInput  # noqa: E402
from services.review import Action  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PASSWORD = "Bench2026x"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 90_000
REFUSALS = ("密码错误", "锁定", "停用")


# --------------------------------------------------------------------------- data (S=1)

def _fast_sqlite(engine) -> None:
    """Building only: no fsync per commit (the benchmark measures reading, not this)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect",
                     lambda conn, _r: conn.execute("PRAGMA synchronous=OFF"))


def _make_users(s, admin, scale: int) -> dict:
    """~600 accounts per S through accounts.create_user (initial password, as an admin would)."""
    orgs = list(s.execute(select(Org).order_by(Org.sort_order)).scalars())
    plan = {OrgKind.DISTRICT: [(Role.CLERK, 4), (Role.REVIEWER, 3), (Role.LEADER, 2)],
            OrgKind.DEPARTMENT: [(Role.CLERK, 5), (Role.REVIEWER, 3)],
            OrgKind.REFORM_OFFICE: [(Role.REVIEWER, 10), (Role.LEADER, 5), (Role.ADMIN, 2)]}
    people: dict = collections.defaultdict(list)
    for n, org in enumerate(orgs):
        for r, (role, count) in enumerate(plan[org.kind]):
            for i in range(count * scale):
                phone = f"16{n:03d}{r}{i:05d}"
                user = accounts.create_user(s, actor=admin, phone=phone, name=f"{org.name}{i}",
                                            org_id=org.id, roles={role.value})
                people[(org.id, role)].append(accounts.current_user(s, user))
    return people


def build(url: str, scale: int = 1, rng_seed: int = 7) -> dict:
    """Users, pilots and progress revisions at scale S, every record made by a service call.

    The initial password is hashed once for all accounts (as seed does): bcrypt per account
    would take minutes here and is not what this benchmark measures."""
    original = accounts.hash_password
    accounts.hash_password = functools.lru_cache(maxsize=4)(original)
    try:
        return _build(url, scale, rng_seed)
    finally:
        accounts.hash_password = original


def _build(url: str, scale: int, rng_seed: int) -> dict:
    rng = random.Random(rng_seed)
    db.migrate(url)
    engine = db.make_engine(url)
    _fast_sqlite(engine)
    today = date.today()
    with db.session_scope(engine) as s:
        seed.seed_all(s)
        admin = accounts.current_user(s, s.execute(
            select(User).where(User.phone == "13800000000")).scalar_one())
        people = _make_users(s, admin, scale)
        kind = {o.id: o.kind for o in s.execute(select(Org)).scalars()}
        districts = [o for o, k in kind.items() if k == OrgKind.DISTRICT]
        depts = [o for o, k in kind.items() if k == OrgKind.DEPARTMENT]
        office = next(o for o, k in kind.items() if k == OrgKind.REFORM_OFFICE)
        pick = lambda org, role: rng.choice(people[(org, role)])  # noqa: E731
        distributed = []
        for n in range(300 * scale):
            home = rng.choice(districts)
            dept = rng.choice(depts)
            data = PilotInput(
                name=f"第{n}号数字化改革试点", deploy_level=rng.choice(pilots.DEPLOY_LEVELS),
                doc_title="关于开展改革试点工作的通知", doc_number=f"国改发〔{2015 + n % 10}〕{n}号",
                content="开展数字化改革，建立健全数据共享机制", due_date=today + timedelta(days=365),
                dept_id=dept, districts=set(rng.sample(districts, rng.choice([0, 1, 2, 3, 4]))))
            p = pilots.create(s, actor=pick(home, Role.CLERK), data=data, submit=True,
                              uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)])
            fate = rng.random()
            if fate < 0.05:
                continue  # stays 待区县审核
            if fate < 0.08:
                pilots.act(s, actor=pick(home, Role.REVIEWER), pilot_id=p.id,
                           action=Action.REJECT, version=p.version, comment="请补充国家文件原文")
                continue
            p = pilots.act(s, actor=pick(home, Role.REVIEWER), pilot_id=p.id,
                           action=Action.APPROVE, version=p.version)
            if fate < 0.13:
                continue  # stays 待市级部门确认
            p = pilots.confirm_and_distribute(s, actor=pick(dept, Role.CLERK), pilot_id=p.id,
                                              version=p.version)
            distributed.append(p)
        tasks = list(s.execute(select(ProgressTask).order_by(ProgressTask.id)).scalars())
        dept_of = {p.id: p.dept_id for p in distributed}
        target = 2000 * scale
        made = 0
        for task in tasks:
            for k in range(rng.choice([1, 2, 3, 3, 4])):
                if made >= target:
                    break
                clerk = pick(task.org_id, Role.CLERK)
                rev = progress.start_revision(s, actor=clerk, task_id=task.id)
                rows = [AchievementInput(f"建立第{made}-{i}项数据共享机制",
                                         "针对数据分散问题，上线共享平台，实现一网通办", "获全市推广")
                        for i in range(rng.choice([1, 1, 2]))]
                done = rng.random() < 0.3
                rev = progress.save(s, actor=clerk, revision_id=rev.id, version=rev.version,
                                    submit=True, data=ProgressInput(
                                        progress_status="已完成" if done else "推进中",
                                        acceptance_date=today - timedelta(days=3) if done else None,
                                        work_items=["召开专题会议", "制定实施方案", "开展专项调研"],
                                        problems="部门间数据共享存在体制机制障碍", achievements=rows))
                made += 1
                stop = rng.random() < 0.12
                for actor in (pick(task.org_id, Role.REVIEWER), pick(dept_of[task.pilot_id],
                                                                     Role.CLERK),
                              pick(office, Role.REVIEWER)):
                    if stop and rng.random() < 0.5:
                        break
                    rev = progress.act(s, actor=actor, revision_id=rev.id, action=Action.APPROVE,
                                       version=rev.version)
                if rev.status != "已确认":
                    break  # one open revision per task
        counts = {name: s.execute(select(func.count()).select_from(model)).scalar_one()
                  for name, model in (("用户", User), ("试点", Pilot), ("推进任务", ProgressTask),
                                      ("推进版本", ProgressRevision), ("试点成果", Achievement))}
    engine.dispose()
    return counts


# Every kind of user whose menu differs: together they open every page of the app.
USER_KINDS = [("区县录入员", OrgKind.DISTRICT, Role.CLERK), ("区县审核员", OrgKind.DISTRICT, Role.REVIEWER),
              ("市级部门录入员", OrgKind.DEPARTMENT, Role.CLERK),
              ("市委改革办审核员", OrgKind.REFORM_OFFICE, Role.REVIEWER),
              ("区县领导", OrgKind.DISTRICT, Role.LEADER),
              ("市委改革办领导", OrgKind.REFORM_OFFICE, Role.LEADER),
              ("系统管理员", OrgKind.REFORM_OFFICE, Role.ADMIN)]
BUILD_PLAN = 2  # bump when build() makes other data: a data dir built by another plan is rebuilt


def benchmark_users(url: str, per_kind: int) -> list[tuple[str, str]]:
    """(phone, kind) of the accounts the browsers use, given a known password (set in the
    database directly, as the browser tests do: demo users must change 123456 first)."""
    from services.passwords import hash_password
    engine = db.make_engine(url)
    kinds = [(label, org_kind, role) for label, org_kind, role in USER_KINDS]
    chosen = []
    with db.session_scope(engine) as s:
        from models import UserRole
        for label, org_kind, role in kinds:
            phones = s.execute(
                select(User.phone).join(Org, Org.id == User.org_id)
                .join(UserRole, UserRole.user_id == User.id)
                .where(Org.kind == org_kind, UserRole.role == role.value,
                       User.phone.like("16%")).order_by(User.id).limit(per_kind)).scalars().all()
            chosen += [(p, label) for p in phones]
        s.execute(update(User).where(User.phone.in_([p for p, _ in chosen]))
                  .values(must_change_password=False, password_hash=hash_password(PASSWORD)))
        s.commit()
    engine.dispose()
    order = sorted(chosen, key=lambda pk: chosen.index(pk) % per_kind)  # interleave kinds
    return order


# --------------------------------------------------------------------------- server

class ProcessTree:
    """CPU seconds and resident memory of a process and its descendants, from /proc."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int, exclude: int | None = None):
        self.pid, self.exclude = pid, exclude  # exclude: a subtree left out (the server's)

    def pids(self) -> list[int]:
        children = collections.defaultdict(list)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry))
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            if pid == self.exclude:
                continue
            found.append(pid)
            todo += children.get(pid, [])
        return found

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime (threads included)
        return total / self.TICK

    def rss_bytes(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total


class PeakSampler(threading.Thread):
    def __init__(self, tree: ProcessTree, every: float = 0.2):
        super().__init__(daemon=True)
        self.tree, self.every, self.peak = tree, every, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.tree.rss_bytes())
            self.stopped.wait(self.every)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("服务在两分钟内没有启动")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- browsers

async def _settled(page) -> None:
    await page.wait_for_selector(DONE + '[data-test-connection-state="CONNECTED"]',
                                 timeout=TIMEOUT_MS)


async def _rendered(page, title: str) -> None:
    await page.get_by_role("heading", name=title).first.wait_for(timeout=TIMEOUT_MS)
    await page.wait_for_timeout(50)
    await _settled(page)


async def _left_login_form(page, button) -> None:
    """Wait until the login form is gone; a refusal shown in the form, or a form still there
    after the timeout (a lost click), is an error."""
    deadline = time.perf_counter() + TIMEOUT_MS / 1000
    while time.perf_counter() < deadline:
        await page.wait_for_timeout(250)
        if await button.count() == 0:
            return
        for text in await page.get_by_test_id("stAlert").all_inner_texts():
            if any(word in text for word in REFUSALS):  # not the next page's own notices
                raise RuntimeError("登录被拒绝：" + text)
    raise TimeoutError("点击“登录”后登录表单一直没有消失")


async def one_session(browser, url: str, phone: str, result: dict) -> None:
    """Log in, then open every page of the user's menu, timing each finished render."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    result["open"] += 1
    result["peak_open"] = max(result["peak_open"], result["open"])
    try:
        start = time.perf_counter()
        await page.goto(url, timeout=TIMEOUT_MS)
        await _settled(page)
        result["first_load"].append(time.perf_counter() - start)
        await page.get_by_label("手机号").fill(phone)
        await page.get_by_label("密码", exact=True).fill(PASSWORD)
        button = page.get_by_role("button", name="登录", exact=True)
        start = time.perf_counter()
        await button.click()  # once: a lost click is an error, as it would be for a person
        await _left_login_form(page, button)
        await _rendered(page, "业务工作台")
        result["login"].append(time.perf_counter() - start)
        try:
            await page.wait_for_function("document.cookie.includes('reform_report_auth')",
                                         timeout=10000)
        except Exception:  # noqa: BLE001 - counted; the session goes on without a reload
            result["no_cookie"].append(phone)
        await page.wait_for_timeout(300)
        await _settled(page)
        links = page.get_by_test_id("stSidebarNav").get_by_role("link")
        titles = [t.strip() for t in await links.all_inner_texts()]
        for title in [t for t in titles if t != "业务工作台"] + ["业务工作台"]:
            start = time.perf_counter()
            await page.get_by_test_id("stSidebarNav").get_by_role(
                "link", name=title, exact=True).click()
            await _rendered(page, title)
            result["views"].append((title, time.perf_counter() - start))
        if await page.get_by_test_id("stException").count():
            result["errors"].append(f"{phone}: 页面出现异常")
    except Exception as exc:  # noqa: BLE001 - every failure is counted, the run goes on
        result["errors"].append(f"{phone}: {type(exc).__name__}: {str(exc)[:160]}")
        if shots := result.get("screenshots"):
            try:  # what the user would have seen, to tell a slow page from a lost click
                await page.screenshot(path=str(shots / f"{phone}.png"), timeout=30_000)
            except Exception:  # noqa: BLE001
                pass
    finally:
        result["open"] -= 1
        await context.close()


async def run_level(url: str, users: list, n: int, client: ProcessTree,
                    shots: Path | None = None) -> dict:
    """`client` is this process's tree without the server: the browsers' CPU, read before
    they exit (a process's time is gone from /proc once it has ended)."""
    from playwright.async_api import async_playwright
    result = {"first_load": [], "login": [], "views": [], "errors": [], "no_cookie": [],
              "screenshots": shots, "open": 0, "peak_open": 0}
    cpu0 = client.cpu_seconds()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def later(i, phone):
            await asyncio.sleep(i * 0.5)  # arrivals at two sessions a second
            await one_session(browser, url, phone, result)

        await asyncio.gather(*(later(i, users[i % len(users)][0]) for i in range(n)))
        result["client_cpu_s"] = client.cpu_seconds() - cpu0
        await browser.close()
    return result


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))] if values else 0.0


# --------------------------------------------------------------------------- profile

def profile_start(pid: int, out: Path) -> subprocess.Popen | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("未找到 py-spy：pip install py-spy==0.4.3 后再用 --profile", file=sys.stderr)
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw",
                             "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# py-spy's idle filter is unreliable with --nonblocking: samples whose innermost frame is a
# wait are dropped here, so the shares below are of the time the server was really working.
IDLE_LEAVES = ("EpollSelector.select", "Condition.wait", "Queue.get", "PollingPathWatcher",
               "_worker (concurrent/futures/thread.py:81)", "Event.wait", "sleep")
PROFILE_GROUPS = [  # (label, substring of a frame, innermost frame only?)
    ("每次脚本运行后的完整 gc.collect（runner.postScriptGC）", "_on_script_finished", True),
    ("每次运行都生成 Excel（ui.excel_button → exports.to_xlsx）", "to_xlsx (services/exports.py", False),
    ("bcrypt 校验密码（登录）", "verify_password (services/passwords.py", False),
    ("迁移 / 种子检查（ui.bootstrap）", "bootstrap (ui/login.py", False),
    ("模块导入（import）", "_find_and_load", False),
    ("数据库查询（SQLAlchemy Session.execute）", "execute (sqlalchemy/orm/session.py", False),
    ("st.dataframe（Arrow 序列化）", "streamlit/elements/arrow.py", False),
    ("登录组件（streamlit_authenticator）", "streamlit_authenticator", False),
    ("侧边栏（ui.sidebar）", "sidebar (ui/navigation.py", False),
    ("前端消息入队（forward_msg）", "_enqueue_forward_msg", False),
    ("HTTP / websocket（starlette、uvicorn）", "starlette/", False),
]


def _project_frame(frame: str) -> bool:
    return any(f"({d}/" in frame for d in ("services", "ui", "models")) or \
        (frame.startswith("<module> (") and "/" not in frame)


def profile_report(path: Path, top: int = 20) -> str:
    if not path.exists():
        return "（没有采样数据）"
    total = idle = 0
    groups = collections.Counter()
    own = collections.Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if any(word in frames[-1] for word in IDLE_LEAVES):
            idle += n
            continue
        total += n
        for label, needle, leaf_only in PROFILE_GROUPS:
            if (needle in frames[-1]) if leaf_only else any(needle in f for f in frames):
                groups[label] += n
        for f in {f.rsplit(":", 1)[0] + ")" for f in frames if _project_frame(f)}:
            own[f] += n
    share = lambda n: f"{n / max(total, 1):.0%}"  # noqa: E731
    lines = [f"忙碌采样 {total} 次（100 Hz；另有 {idle} 次等待中的采样未计入）", "",
             "| 归类（一次采样可属多类） | 占忙碌时间 |", "|---|---|"]
    lines += [f"| {label} | {share(groups[label])} |" for label, *_ in PROFILE_GROUPS]
    lines += ["", f"项目代码（含其调用），前 {top}：", "", "| 函数 | 占忙碌时间 |", "|---|---|"]
    lines += [f"| `{f}` | {share(n)} |" for f, n in own.most_common(top)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="10,20,30", help="并发会话数，逗号分隔")
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--site", help="数据目录（默认 data/load-s<S>/，构建一次后复用）")
    parser.add_argument("--fresh", action="store_true", help="在临时目录重新构建数据")
    parser.add_argument("--profile", action="store_true", help="第一档并发时用 py-spy 采样服务进程")
    parser.add_argument("--json", help="把结果另存为 JSON")
    parser.add_argument("--budget", type=float, default=540,
                        help="总用时上限（秒）：超出后不再开始下一档并发")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        raise SystemExit("需要 Debian 的 chromium（apt-get install -y chromium fonts-noto-cjk）")
    levels = [int(n) for n in args.sessions.split(",") if n.strip()]
    tmp = None
    if args.fresh:
        tmp = tempfile.TemporaryDirectory(prefix="reform-load-")
        data = Path(tmp.name)
    else:
        data = Path(args.site or ROOT / "data" / f"load-s{args.scale}").resolve()
    data.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data / 'reform.db'}"
    env = {**os.environ, "REFORM_DATA_DIR": str(data), "DATABASE_URL": url}
    os.environ.update(REFORM_DATA_DIR=str(data), DATABASE_URL=url)

    started = time.perf_counter()
    marker = data / "load-build.json"
    built = json.loads(marker.read_text()) if marker.exists() else {}
    if built.get("url") == url and built.get("plan") == BUILD_PLAN:
        counts = built["counts"]
        print(f"复用 {data} 中已构建的数据：{counts}")
    else:
        if built and url.startswith("sqlite"):  # built by another plan: start from nothing
            for stale in data.iterdir():
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        counts = build(url, args.scale)
        marker.write_text(json.dumps({"url": url, "plan": BUILD_PLAN, "counts": counts},
                                     ensure_ascii=False))
        print(f"构建 S={args.scale} 数据用时 {time.perf_counter() - started:.0f} s：{counts}")
    users = benchmark_users(url, per_kind=max(levels) // len(USER_KINDS) + 1)

    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}，"
          f"数据库 {db.make_engine(url).dialect.name}")
    header = ("| 并发会话 N | 出错会话 | 页面打开次数 | 页面渲染中位数 | 页面渲染 p95 | 登录中位数 | "
              "服务端 CPU 秒 | CPU 秒/会话 | CPU 毫秒/页面 | 服务端峰值 RSS | 用时 |")
    rows, report = [], {}
    for i, n in enumerate(levels):
        if time.perf_counter() - started > args.budget:
            print(f"已用时超过 {args.budget:.0f} s，跳过 N={n} 及以后各档", flush=True)
            break
        proc, app = start_server(env)
        tree = ProcessTree(proc.pid)
        time.sleep(1)
        sampler = PeakSampler(tree)
        sampler.start()
        spy = profile_start(proc.pid, data / "profile.txt") if args.profile and i == 0 else None
        cpu0, t0 = tree.cpu_seconds(), time.perf_counter()
        shots = data / f"errors-n{n}"
        shutil.rmtree(shots, ignore_errors=True)
        shots.mkdir()
        result = asyncio.run(run_level(app, users, n, ProcessTree(os.getpid(), exclude=proc.pid),
                                       shots))
        cpu = tree.cpu_seconds() - cpu0
        wall = time.perf_counter() - t0
        sampler.stopped.set()
        sampler.join()
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        stop_server(proc)
        views = [t for _, t in result["views"]]
        failed = len({e.split(":")[0] for e in result["errors"]})
        row = {"n": n, "failed_sessions": failed, "views": len(views),
               "median_ms": statistics.median(views) * 1000 if views else 0,
               "p95_ms": _p95(views) * 1000, "login_median_ms":
               statistics.median(result["login"]) * 1000 if result["login"] else 0,
               "cpu_s": cpu, "cpu_per_session_s": cpu / n,
               "client_cpu_per_session_s": result["client_cpu_s"] / n,
               "cpu_per_view_ms": cpu / max(len(views) + len(result["login"]), 1) * 1000,
               "peak_rss_mb": sampler.peak / 1048576, "wall_s": wall,
               "errors": result["errors"][:10],
               "peak_concurrent_sessions": result["peak_open"],
               "login_cookie_missing": len(result["no_cookie"]),
               "first_load_median_ms": statistics.median(result["first_load"]) * 1000
               if result["first_load"] else 0,
               "per_page_median_ms": {
                   title: statistics.median([t for p, t in result["views"] if p == title]) * 1000
                   for title in sorted({p for p, _ in result["views"]})}}
        rows.append(row)
        print(f"N={n}: {json.dumps(row, ensure_ascii=False)}", flush=True)
    report["rows"] = rows
    print()
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for r in rows:
        print(f"| {r['n']} | {r['failed_sessions']} | {r['views']} | {r['median_ms']:.0f} ms | "
              f"{r['p95_ms']:.0f} ms | {r['login_median_ms']:.0f} ms | {r['cpu_s']:.1f} | "
              f"{r['cpu_per_session_s']:.2f} | {r['cpu_per_view_ms']:.0f} | "
              f"{r['peak_rss_mb']:.0f} MB | {r['wall_s']:.0f} s |")
    if args.profile:
        text = profile_report(data / "profile.txt")
        report["profile"] = text
        print()
        print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\n总用时 {time.perf_counter() - started:.0f} s")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
