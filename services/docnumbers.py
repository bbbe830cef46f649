"""Document numbers (文号): one canonical form so that spelling variants collide (SPEC §3.3)."""
import re
import unicodedata

_OPEN = "〔［[【（(〈《｛{"
_CLOSE = "〕］]】）)〉》｝}"
_BRACKETS = str.maketrans({**{c: "[" for c in _OPEN}, **{c: "]" for c in _CLOSE}})
_SPACES = re.compile(r"\s+")
_ORDINAL = re.compile(r"第(?=\d)")
_SERIAL = re.compile(r"(\d+)号?$")


def normalize(number: str) -> str:
    """Canonical 文号: half-width, one bracket kind, no spaces, 第/号/leading zeros unified.

    `国办发〔2023〕12号`, `国办发[2023]12号`, `国办发（2023）12 号` and `国办发〔2023〕第012号`
    all become `国办发[2023]12号`.
    """
    text = unicodedata.normalize("NFKC", number or "")
    text = text.translate(_BRACKETS)
    text = _SPACES.sub("", text).replace("號", "号").upper()
    text = _ORDINAL.sub("", text)
    match = _SERIAL.search(text)
    if match:
        text = f"{text[:match.start()]}{int(match.group(1))}号"
    return text
