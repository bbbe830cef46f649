"""The Word template of the 改革事项总结材料 (the manual's part 三 (四)): the five headings and
the block for the signature of the leader who reviews reform reports and the unit's seal."""
import re
from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from services.brand import SIGNATURE_NOTE, SUMMARY_HEADINGS

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILENAME = "改革事项总结材料模板.docx"
FONT = "仿宋_GB2312"
HINTS = {
    "启动时间": "写明该项改革启动的时间及部署依据。",
    "推进情况": "写明推动落实该项改革做了哪些工作部署，条目式列举具体工作。",
    "成效成果": "写明取得的制度性成果和成效，获肯定、推广的具体情形（哪一级、何种方式、何时）。",
    "困难问题": "写明存在的主要困难和问题，聚焦体制机制问题、政策法规问题等。",
    "下一步打算": "写明下一步深化、推广该项改革的打算。",
}
NUMBERS = "一二三四五"
# Characters a Word document (XML 1.0) cannot hold. The form offers the template before its text
# is saved (and refused), so whatever was typed must still give a document.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _font(run, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _paragraph(doc, text: str, size: float = 16, bold: bool = False, align=None):
    p = doc.add_paragraph()
    _font(p.add_run(_NOT_IN_XML.sub("", text)), size, bold)
    if align is not None:
        p.alignment = align
    return p


def summary_template(*, item: str = "", unit: str = "") -> bytes:
    """The .docx a clerk fills in, has signed and sealed, then uploads as PDF or image."""
    doc = Document()
    _paragraph(doc, "改革事项总结材料", size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, f"改革事项：{item or '　' * 16}")
    _paragraph(doc, f"填报单位：{unit or '　' * 16}")
    for number, heading in zip(NUMBERS, SUMMARY_HEADINGS):
        _paragraph(doc, f"{number}、{heading}", bold=True)
        _paragraph(doc, f"（{HINTS[heading]}）", size=14)
        _paragraph(doc, "")
    _paragraph(doc, "")
    _paragraph(doc, f"（须经{SIGNATURE_NOTE}）", size=14)
    _paragraph(doc, "单位负责审核改革报表的领导（签字）：", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "（单位公章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "年　　月　　日", align=WD_ALIGN_PARAGRAPH.RIGHT)
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()
