"""Charts for the 简报, drawn on the server without a browser (matplotlib, PNG).

Chinese needs a CJK font: the first one found on the machine (Noto Sans CJK SC from
fonts-noto-cjk, 思源黑体, 文泉驿, 黑体, 微软雅黑 …). Without one the 简报 leaves the charts out and
says so (its tables carry the same figures): never boxes instead of characters.
"""
import threading
from functools import lru_cache
from io import BytesIO

PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "Noto Sans SC",
             "Noto Serif CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP")
COLORS = ["#1f6fb2", "#e8833a", "#3a9e5c", "#c0392b", "#8e6bbf", "#7f8c8d"]
_lock = threading.Lock()  # matplotlib's font cache and rc settings are process-wide


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in PREFERRED:
        if name in names:
            return name
    for marker in ("CJK", "Han Sans", "Hei", "Song", "Kai", "Ming"):
        for name in sorted(names):
            if marker in name:
                return name
    return None


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    return fig, fig.subplots()


def _png(fig) -> bytes:
    buf = BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _style(ax, title: str, xlabel: str, ylabel: str, grid: str) -> None:
    ax.set_title(title, fontsize=13)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid, alpha=0.3)


def bar_chart(labels: list[str], values: list[float], *, title: str, value_label: str,
              highlight: set[str] = frozenset(), percent: bool = False) -> bytes | None:
    """A horizontal bar per district, best first (highlighted districts in orange)."""
    font = cjk_font()
    if font is None:
        return None
    import matplotlib
    with _lock, matplotlib.rc_context({"font.family": [font], "axes.unicode_minus": False}):
        fig, ax = _figure(7.5, max(2.5, 0.28 * len(labels) + 1.2))
        y = list(range(len(labels)))[::-1]
        colors = [COLORS[1] if label in highlight else COLORS[0] for label in labels]
        ax.barh(y, values, color=colors)
        ax.set_yticks(y, labels, fontsize=9)
        for yy, v in zip(y, values):
            ax.text(v, yy, f" {v:.1%}" if percent else f" {v:g}", va="center", fontsize=8)
        if percent:
            ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        _style(ax, title, value_label, "区县", "x")
        return _png(fig)


def line_chart(months: list[str], series: dict[str, list[int]], *, title: str) -> bytes | None:
    """One line per indicator over the months of the period."""
    font = cjk_font()
    if font is None:
        return None
    import matplotlib
    with _lock, matplotlib.rc_context({"font.family": [font], "axes.unicode_minus": False}):
        fig, ax = _figure(7.5, 3.6)
        x = list(range(len(months)))
        for i, (label, values) in enumerate(series.items()):
            ax.plot(x, values, marker="o", color=COLORS[i % len(COLORS)], label=label)
        step = max(1, len(months) // 12)
        ax.set_xticks(x[::step], months[::step], rotation=45, fontsize=8)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(fontsize=9, frameon=False)
        _style(ax, title, "月份", "数量", "y")
        return _png(fig)
