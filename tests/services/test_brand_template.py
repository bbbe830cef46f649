"""The 总结材料 Word template carries the manual's five headings and the signature block."""
from io import BytesIO

from docx import Document

from services import brand_template, files


def test_template_is_a_real_docx_with_the_five_headings_and_the_signature_block():
    data = brand_template.summary_template(item="建立“一网统管”机制", unit="万州区")

    text = [p.text for p in Document(BytesIO(data)).paragraphs]
    assert files.detect_kind(data) == "docx"
    assert text[0] == "改革事项总结材料"
    assert "改革事项：建立“一网统管”机制" in text and "填报单位：万州区" in text
    headings = [t for t in text if t[:2] in {"一、", "二、", "三、", "四、", "五、"}]
    assert headings == ["一、启动时间", "二、推进情况", "三、成效成果", "四、困难问题", "五、下一步打算"]
    assert "单位负责审核改革报表的领导（签字）：" in text and "（单位公章）" in text


def test_template_is_built_whatever_was_typed_into_the_item():
    # Offered before the text is saved (and refused): a vertical tab used to raise ValueError.
    data = brand_template.summary_template(item="建立\x0b基层\x00治理\ud800机制\ufffe", unit="万州区")

    text = [p.text for p in Document(BytesIO(data)).paragraphs]
    assert "改革事项：建立基层治理机制" in text
