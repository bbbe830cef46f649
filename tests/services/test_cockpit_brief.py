"""简报: the Word document opens (python-docx), holds the figures the cockpit shows, draws its
charts on the server, and still builds (without charts) where no CJK font is installed."""
import os
import shutil
import subprocess
from io import BytesIO

import pytest
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from services.cockpit import board as cockpit
from services.cockpit import brief, images, periods
from services.errors import PermissionDenied, ValidationError
from tests.services.cockpit_helpers import build

Y2025 = periods.year(2025)


@pytest.fixture
def data(session, w):
    return build(session, w)


def read(blob: bytes) -> Document:
    return Document(BytesIO(blob))


def table_after(doc, heading: str):
    """The first table after the paragraph `heading`."""
    body = doc.element.body
    seen = False
    for child in body.iterchildren():
        if child.tag.endswith("}p") and Paragraph(child, doc).text.strip() == heading:
            seen = True
        elif seen and child.tag.endswith("}tbl"):
            return Table(child, doc)
    raise AssertionError(f"no table after {heading}")


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_the_brief_holds_the_figures_the_cockpit_shows(session, w, data):
    shown = cockpit.board(session, actor=w.leader, period=Y2025)
    wanzhou = cockpit.board(session, actor=w.leader, period=Y2025, district_id=w.wanzhou)

    doc = read(brief.build(session, actor=w.leader, period=Y2025, district_ids=[w.wanzhou]))

    text = "\n".join(p.text for p in doc.paragraphs)
    assert "区县改革报表简报" in text and "统计期间：2025年（2025-01-01 至 2025-12-31）　范围：万州区" in text
    kpis = cells(table_after(doc, "一、主要指标"))
    assert kpis[0] == ["指标", "全市", "万州区"]
    assert kpis[1:] == [
        ["承接试点数", "3", "2（第1名）"], ["已完成试点数", "2", "2（第1名）"],
        ["试点成果数", "5", "3（第1名）"], ["品牌亮点数", "2", "1（第1名）"],
        ["　其中：获全国肯定性评价", "1", "0"], ["　其中：获全市推广", "1", "1"],
        *[[label, "0", "0（第1名）"] for label in (  # 数字重庆建设: counted in its own tests
            "一件事纳入名录库数", "三张清单查重通过数", "上线特色应用数", "一地创新全市共享数")],
        ["驳回率", shown.kpi("rejection").text,
         f"{wanzhou.kpi('rejection').text}（第{wanzhou.kpi('rejection').rank}名）"]]
    assert [k.value for k in shown.kpis][:4] == [3, 2, 5, 2]
    assert [k.value for k in wanzhou.kpis][:4] == [2, 2, 3, 1]


def test_the_brief_ranks_districts_and_lists_the_rejection_rates(session, w, data):
    doc = read(brief.build(session, actor=w.office_leader, period=Y2025))

    ranking = cells(table_after(doc, "（三）试点成果数"))
    assert ranking[:3] == [["排名", "区县", "试点成果数"], ["1", "万州区", "3"], ["2", "黔江区", "2"]]
    assert len(ranking) == 1 + brief.TOP
    rates = cells(table_after(doc, "四、驳回率"))
    expected = {r.district: r for r in cockpit.board(session, actor=w.office_leader,
                                                       period=Y2025).rates if r.submissions}
    assert {row[0] for row in rates[1:]} == set(expected) == {"万州区", "黔江区"}
    for row in rates[1:]:
        r = expected[row[0]]
        assert row[1:4] == [str(r.submissions), str(r.rejections), f"{r.rate:.1%}"]


def test_the_brief_carries_its_charts_as_images(session, w, data):
    if images.cjk_font() is None:  # .ci/run installs fonts-noto-cjk
        (pytest.fail if os.getenv("CI") in ("1", "true") else pytest.skip)("no CJK font")

    doc = read(brief.build(session, actor=w.leader, period=Y2025))

    assert len(doc.inline_shapes) == 3
    assert all(s.width > 0 for s in doc.inline_shapes)


def test_without_a_cjk_font_the_brief_says_the_charts_are_left_out(session, w, data, monkeypatch):
    monkeypatch.setattr(images, "cjk_font", lambda: None)

    doc = read(brief.build(session, actor=w.leader, period=Y2025))

    assert len(doc.inline_shapes) == 0
    assert sum(brief.NO_FONT_NOTE in p.text for p in doc.paragraphs) == 3


def test_a_brief_of_several_districts_has_a_column_for_each(session, w, data):
    doc = read(brief.build(session, actor=w.office_leader, period=Y2025,
                           district_ids=[w.qianjiang, w.wanzhou]))

    assert cells(table_after(doc, "一、主要指标"))[0] == ["指标", "全市", "黔江区", "万州区"]
    assert cells(table_after(doc, "一、主要指标"))[2] == ["已完成试点数", "2", "0（第2名）", "2（第1名）"]


def test_a_brief_for_no_district_or_a_disabled_reader_is_refused(session, w):
    with pytest.raises(ValidationError, match="请选择区县"):
        brief.build(session, actor=w.leader, period=Y2025, district_ids=[w.dept_id])
    from sqlalchemy import update

    from models import User
    session.execute(update(User).where(User.id == w.leader.id).values(disabled=True))
    session.commit()
    with pytest.raises(PermissionDenied):
        brief.build(session, actor=w.leader, period=Y2025)


def test_the_file_name_names_the_period_and_scope():
    assert brief.filename(periods.quarter(2025, 2), "万州区、黔江区") == \
        "区县改革报表简报_2025年第二季度_万州区、黔江区.docx"
    assert brief.filename(periods.custom(*[periods.year(2025).start] * 2), "全市") == \
        "区县改革报表简报_2025-01-01_至_2025-01-01_全市.docx"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_brief(session, w, data, tmp_path):
    path = tmp_path / "brief.docx"
    path.write_bytes(brief.build(session, actor=w.leader, period=Y2025,
                                 district_ids=[w.wanzhou]))

    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "brief.pdf").stat().st_size > 10_000
