"""Benchmark (SPEC §10): similar-name search over 10,000 一件事 names (target: median ≤ 50 ms) and
the grouping of a typical week's ~200 submissions for 一件事核准.

Names are built deterministically from domain words (领域 × 对象/事项 × 办理方式), all distinct.
Queries are names a clerk could type: catalog names, the same with a character dropped or words
reordered, and names that are not in the catalog. Usage: .venv/bin/python
benchmarks/similarity_bench.py (also printed by `make bench`)."""
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rapidfuzz  # noqa: E402

from services.digital.similarity import NameIndex, groups, normalise  # noqa: E402

CATALOG_SIZE = 10_000
QUERIES = 200
WEEK = 200

AREAS = ["城市运行", "基层治理", "应急管理", "生态环境", "交通运输", "市场监管", "义务教育", "医疗卫生",
         "社会保障", "民政服务", "住房保障", "农业农村", "文化旅游", "公共安全", "税费服务", "水利防汛",
         "规划自然资源", "商务消费", "人力资源", "退役军人", "残疾人", "老年人", "新生儿", "企业", "个体工商户"]
TOPICS = ["开办登记", "注销", "信息变更", "证照办理", "许可审批", "补贴申领", "费用报销", "参保登记",
          "户口迁移", "入学报名", "就业创业", "退休办理", "救助帮扶", "权益保障", "安全监管", "风险预警",
          "矛盾调处", "隐患排查", "信用修复", "资金监管", "联动过户", "联合报装", "综合执法", "数据共享",
          "智慧服务"]
FORMS = ["", "联办", "一次办", "集成办", "跨省通办", "全链条", "掌上办", "改革", "协同监管", "闭环管理",
         "数字化", "一网通办", "集成服务", "一站式服务", "主动服务", "全程网办"]
SPELLINGS = ["{}一件事", "{}“一件事”", "“{}”一件事", "{} 一件事"]
NEW_NAMES = ["危化品全链条安全监管一件事", "电动自行车全链条管理一件事", "燃气安全一件事",
             "耕地保护一件事", "城市内涝治理一件事", "独居老人关爱一件事", "校园食品安全一件事",
             "山洪地质灾害预警一件事", "公共租赁住房申请一件事", "教师资格认定一件事"]


def catalog(size: int = CATALOG_SIZE) -> list[str]:
    """`size` names (at most 25 × 25 × 16 = 10,000), distinct even once normalised, each with one
    of the ways districts write 一件事, in a fixed shuffled order."""
    rng = random.Random(2026)
    names = [rng.choice(SPELLINGS).format(area + topic + form)
             for area in AREAS for topic in TOPICS for form in FORMS]
    rng.shuffle(names)
    assert len({normalise(name) for name in names}) == len(names) >= size
    return names[:size]


def edited(name: str, rng: random.Random) -> str:
    """The name as another district might type it: a character dropped, or words reordered."""
    if rng.random() < 0.5:
        i = rng.randrange(len(name))
        return name[:i] + name[i + 1:]
    cut = rng.randrange(2, len(name) - 1)
    return name[cut:] + name[:cut]


def queries(names: list[str], count: int = QUERIES) -> list[str]:
    rng = random.Random(7)
    out = []
    for n in range(count):
        kind = n % 4
        if kind == 0:
            out.append(rng.choice(names))
        elif kind in (1, 2):
            out.append(edited(rng.choice(names), rng))
        else:
            out.append(rng.choice(NEW_NAMES))
    return out


def week(names: list[str], size: int = WEEK) -> list[tuple[int, str]]:
    """A week's submissions: distinct items, a quarter of them sent again by other districts."""
    rng = random.Random(11)
    originals = rng.sample(names, size * 3 // 4)
    again = [edited(rng.choice(originals), rng) for _ in range(size - len(originals))]
    items = originals + again
    rng.shuffle(items)
    return list(enumerate(items))


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report() -> None:
    """Print the figures (the machine is printed by the caller)."""
    names = catalog()
    start = time.perf_counter()
    index = NameIndex(enumerate(names))
    build_ms = (time.perf_counter() - start) * 1000
    samples, found = [], 0
    for query in queries(names):
        start = time.perf_counter()
        found += bool(index.best(query))
        samples.append((time.perf_counter() - start) * 1000)
    submissions = week(names)
    group_samples = []
    for _ in range(7):
        start = time.perf_counter()
        result = groups(submissions)
        group_samples.append((time.perf_counter() - start) * 1000)
    print(f"相似名称检索（{len(names):,} 个名称，{len(samples)} 次查询，{found} 次有近似结果）："
          f"中位数 {statistics.median(samples):.1f} ms，p95 {percentile(samples, 0.95):.1f} ms"
          f"（目标中位数 ≤ 50 ms；建索引 {build_ms:.0f} ms，只建一次）")
    print(f"一件事核准分组（{len(submissions)} 条上报，{len(result)} 组）：中位数 "
          f"{statistics.median(group_samples):.1f} ms")


def main() -> None:
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}，"
          f"rapidfuzz {rapidfuzz.__version__}")
    report()


if __name__ == "__main__":
    main()
