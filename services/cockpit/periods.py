"""The cockpit's period (SPEC §6 filters: year, quarter, custom range), as Beijing dates.

Every date rule of the cockpit compares a record's date (获评日期, 验收时间) or the Beijing date of
a stored instant (确认分发, 审核确认, each review event) with `start` … `end`, both inclusive.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func

from services import clock
from services.errors import ValidationError

QUARTERS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
FIRST_YEAR = 2020   # the earliest year offered (the brand module counts from 2023 by default)
LONGEST_DAYS = 366 * 10


@dataclass(frozen=True)
class Period:
    start: date
    end: date   # inclusive
    label: str

    @property
    def since(self) -> datetime:
        """The first instant of `start` in Beijing."""
        return datetime.combine(self.start, time.min, clock.LOCAL_TZ)

    @property
    def until(self) -> datetime:
        """The first instant after `end` in Beijing."""
        return datetime.combine(self.end + timedelta(days=1), time.min, clock.LOCAL_TZ)

    def months(self) -> list[str]:
        """Every month (YYYY-MM) the period touches, in order."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def month(self, month: str) -> "Period":
        """The part of this period that lies in `month` (YYYY-MM), for a click on a trend point."""
        if month not in self.months():
            raise ValidationError(f"{month[:10]}不在所选期间（{self.label}）内，请重新选择")
        y, m = int(month[:4]), int(month[5:7])
        first = date(y, m, 1)
        last = (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)
        return Period(max(first, self.start), min(last, self.end), f"{y}年{m}月")


def year(y: int) -> Period:
    """A calendar year."""
    _check_year(y)
    return Period(date(y, 1, 1), date(y, 12, 31), f"{y}年")


def quarter(y: int, q: int) -> Period:
    """A quarter (1–4) of a year."""
    _check_year(y)
    if q not in QUARTERS:
        raise ValidationError("请选择季度（第一季度至第四季度）")
    start = date(y, 3 * q - 2, 1)
    end = (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)) - timedelta(days=1)
    return Period(start, end, f"{y}年{QUARTERS[q]}")


def custom(start: date | None, end: date | None) -> Period:
    """A custom range of Beijing dates (at most ten years, from 2020 on)."""
    if start is None or end is None:
        raise ValidationError("请选择起止日期")
    if start > end:
        raise ValidationError(f"起始日期 {start:%Y-%m-%d} 晚于截止日期 {end:%Y-%m-%d}，请重新选择")
    if start.year < FIRST_YEAR or end.year > clock.today().year + 1:
        raise ValidationError(f"请选择 {FIRST_YEAR} 年至今的日期")
    if (end - start).days > LONGEST_DAYS:
        raise ValidationError("自定义期间最长十年，请缩短期间")
    return Period(start, end, f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}")


def current_year() -> Period:
    """This year in Beijing (the cockpit's default)."""
    return year(clock.today().year)


def years() -> list[int]:
    """The years offered, newest first."""
    return list(range(clock.today().year, FIRST_YEAR - 1, -1))


def _check_year(y: int) -> None:
    if not FIRST_YEAR <= y <= clock.today().year + 1:
        raise ValidationError(f"年份{y}超出范围，请选择 {FIRST_YEAR} 年至今")


# --- months in SQL ------------------------------------------------------------------------------

def month_of_instant(column, dialect: str):
    """YYYY-MM of a stored instant in Beijing time (no daylight saving: UTC+8 all year)."""
    if dialect == "sqlite":  # stored as UTC text
        return func.strftime("%Y-%m", column, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")


def month_of_date(column, dialect: str):
    """YYYY-MM of a stored date."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")
