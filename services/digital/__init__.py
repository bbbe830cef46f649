"""数字重庆建设 — Digital Chongqing (SPEC §5, the manual's part 四), one package:

- `items` 一件事 and its 核准 flow; `plans` 应用“三张清单”; `apps` 开发上线特色应用 and
  一地创新、全市共享 — each declares its flow and its table (`common.RowKind`);
- `rows` editing the four tables in the district's open form; `forms` the form (保存并上报 as one
  submission, the district's 通过 / 驳回) and what its tables show;
- `verdicts` 一件事核准 by week, grouped by `similarity`; `deadlines` the clock's steps;
- `catalog` 名录库 and 重点领域; `display` 晾晒 and the cockpit's counts; `survey` the first full
  survey's Excel template and import.
"""
from services.digital import items, plans, apps  # noqa: F401  (the row flows register first)
from services.digital import forms  # noqa: F401
from services.digital.display import INDICATORS, counted_records, counts  # noqa: F401
