"""The cockpit's plotly charts (Chinese axes, legends and hover). Every mark carries in its
`customdata` what a click opens: [indicator, district id, month, group] (None where it does not
apply), so the page turns a selected point into exactly the records behind it."""
import html
import math

import plotly.graph_objects as go

from services.cockpit import indicators as ind
from services.cockpit.board import REJECTION, REJECTION_LABEL, Board

BLUE, ORANGE, GREY = "#1f6fb2", "#e8833a", "#9aa5b1"
PALETTE = ["#1f6fb2", "#3a9e5c", "#e8833a", "#8e6bbf", "#c0392b", "#16a085"]
CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False}


def _layout(fig: go.Figure, *, title: str, x: str, y: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=height,
                      margin={"l": 10, "r": 40, "t": 60, "b": 10}, dragmode=False,
                      hoverlabel={"font": {"size": 13}},
                      legend={"orientation": "h", "y": -0.15, "title": None},
                      clickmode="event+select")
    fig.update_xaxes(title=x, fixedrange=True, automargin=True)
    fig.update_yaxes(title=y, fixedrange=True, automargin=True)
    return fig


def _shown(text: str) -> str:
    """A name an administrator typed (获评类别) as plotly shows it: literally, not as markup."""
    return html.escape(text, quote=False)


def _counts_axis(values) -> dict:
    """Whole-number ticks for a count axis (never 0.5 of a pilot)."""
    top = max([v or 0 for v in values], default=0)
    return {"tick0": 0, "dtick": max(1, math.ceil(top / 6)), "rangemode": "tozero"}


RATE_NOTE = "试点项目、试点推进、改革品牌各审核环节"


def ranking(board: Board, key: str) -> go.Figure:
    """Every district's figure for an indicator, best first; the chosen district in orange."""
    label = REJECTION_LABEL if key == REJECTION else ind.get(key).label
    rows = board.ranking(key)
    if key == REJECTION:
        rows = [r for r in rows if r[3] is not None]  # districts with something reviewed
    names = [name for _, name, _, _ in rows][::-1]      # plotly draws the first bar lowest
    values = [value for _, _, value, _ in rows][::-1]
    data = [[key, d, None, None, rank or "—"] for d, _, _, rank in rows][::-1]
    colors = [ORANGE if d == board.district_id else BLUE for d, _, _, _ in rows][::-1]
    percent = key == REJECTION
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=colors, customdata=data,
        text=[f"{v:.1%}" if percent else v for v in values], textposition="outside",
        cliponaxis=False,
        hovertemplate=(f"区县：%{{y}}<br>{label}：" + ("%{x:.1%}" if percent else "%{x}")
                       + "<br>排名：第%{customdata[4]}名<extra></extra>")))
    fig.update_xaxes(tickformat=".0%") if percent else fig.update_xaxes(**_counts_axis(values))
    note = f"<br><sup>{RATE_NOTE}</sup>" if percent else ""
    return _layout(fig, title=f"各区县{label}排名（{board.period.label}）{note}",
                   x=label, y="区县", height=max(260, 24 * len(names) + 90))


def trend(board: Board) -> go.Figure:
    """One line per indicator over the months of the period (city or chosen district)."""
    months = board.period.months()
    fig = go.Figure()
    for i, indicator in enumerate(ind.INDICATORS):
        values = [v for _, v in board.trend(indicator.key)]
        fig.add_trace(go.Scatter(
            x=months, y=values, mode="lines+markers", name=indicator.label,
            line={"color": PALETTE[i % len(PALETTE)]}, marker={"size": 9},
            customdata=[[indicator.key, board.district_id, m, None] for m in months],
            hovertemplate=f"{indicator.label}<br>月份：%{{x}}<br>数量：%{{y}}<extra></extra>"))
    fig.update_xaxes(type="category")
    fig.update_yaxes(**_counts_axis([v for trace in fig.data for v in trace.y]))
    return _layout(fig, title=f"{board.scope}主要指标月度趋势（{board.period.label}）",
                   x="月份", y="数量", height=360)


def breakdown(board: Board, key: str) -> go.Figure | None:
    """An indicator by group: stacked bars per district (city), or one bar per group (district).
    None when nothing is counted."""
    indicator = ind.get(key)
    counts = board.city[key]
    if board.district_id:
        groups = board.kpi(key).groups
        if not any(groups.values()):
            return None
        fig = go.Figure(go.Bar(
            x=[_shown(g) for g in groups], y=list(groups.values()),
            marker_color=PALETTE[:len(groups)],
            customdata=[[key, board.district_id, None, g] for g in groups],
            text=list(groups.values()), textposition="outside",
            hovertemplate=f"{indicator.group_label}：%{{x}}<br>{indicator.label}：%{{y}}"
                          "<extra></extra>"))
        fig.update_yaxes(**_counts_axis(groups.values()))
        return _layout(fig, title=f"{board.scope}{indicator.label}（按{indicator.group_label}）",
                       x=indicator.group_label, y=indicator.label, height=320)
    districts = [d for d in board.districts if counts.by_district.get(d)]
    if not districts:
        return None
    order = list(board.kpi(key).groups) or (ind.PROGRESS_GROUPS if key == "pilots" else [])
    groups = order + sorted({g for _, g in counts.by_district_group} - set(order))
    names = [board.districts[d] for d in districts][::-1]
    fig = go.Figure()
    for i, group in enumerate(groups):
        values = [counts.by_district_group.get((d, group), 0) for d in districts][::-1]
        fig.add_trace(go.Bar(
            x=values, y=names, orientation="h", name=_shown(group),
            marker_color=PALETTE[i % len(PALETTE)],
            customdata=[[key, d, None, group, _shown(group)] for d in districts][::-1],
            hovertemplate=f"区县：%{{y}}<br>{indicator.group_label}：%{{customdata[4]}}<br>"
                          f"{indicator.label}：%{{x}}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(**_counts_axis([counts.by_district.get(d, 0) for d in districts]))
    return _layout(fig, title=f"各区县{indicator.label}（按{indicator.group_label}）",
                   x=indicator.label, y="区县", height=max(260, 24 * len(names) + 120))


def quality(board: Board) -> go.Figure | None:
    """Quantity beside quality: records submitted (x) against the share approved (y), one
    point per district, 驳回率 in the hover."""
    rows = [r for r in board.rates if r.records_submitted]
    if not rows:
        return None
    fig = go.Figure(go.Scatter(
        x=[r.records_submitted for r in rows], y=[r.approved_share for r in rows],
        mode="markers+text", text=[r.district for r in rows], textposition="top center",
        marker={"size": 12, "color": [ORANGE if r.org_id == board.district_id else BLUE
                                      for r in rows]},
        customdata=[[REJECTION, r.org_id, None, None, "—" if r.rate is None else f"{r.rate:.1%}"]
                    for r in rows],
        hovertemplate=("区县：%{text}<br>期间上报记录数：%{x}<br>通过比例：%{y:.1%}<br>"
                       "驳回率：%{customdata[4]}<extra></extra>")))
    fig.update_yaxes(tickformat=".0%", range=[-0.05, 1.1])
    return _layout(fig, title=f"各区县上报数量与质量（{board.period.label}）",
                   x="期间上报记录数", y="通过比例", height=380)
