"""Document numbers (文号): one canonical form so that spelling variants collide (SPEC §3.3)."""
import hashlib
import re
import unicodedata

# Longest text looked at: far above any real 文号; the service refuses long input with a message,
# this only bounds the work (and never raises) whatever reaches `normalize`.
INPUT_LIMIT = 1000
# Pilot.doc_number_norm holds at most this many characters (NFKC can lengthen text).
NORMAL_FORM_LIMIT = 100

# Invisible characters that are not in the Cf category (Unicode Default_Ignorable_Code_Point):
# combining grapheme joiner, Hangul fillers, Khmer vowels inherent, Mongolian variation
# selectors, variation selectors (and their supplement).
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8"
    "\U000e0000-\U000e0fff]"
)
_DROPPED_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})  # format, control, spaces
_EXTRA_BRACKETS = {"<": "[", ">": "]"}
_ORDINAL = re.compile(r"第+(?=\d)")
_SERIAL = re.compile(r"(\d+)号?$")


def _fold_char(ch: str) -> str:
    """One character as it counts in a 文号: invisible ones vanish, brackets and digits fold."""
    category = unicodedata.category(ch)
    if category in _DROPPED_CATEGORIES or ch.isspace():
        return ""
    if category == "Ps":  # every opening bracket kind: 〔［[【（(「『〖〘〚︵﹝⦅｟《 …
        return "["
    if category == "Pe":
        return "]"
    if category == "Nd":  # any script's decimal digit as an ASCII digit
        return str(unicodedata.decimal(ch))
    return _EXTRA_BRACKETS.get(ch, ch)


def _fold(text: str) -> str:
    # Repeat until stable: removing a character or upper-casing can leave text that NFKC
    # changes again (a combining mark meeting its base, a ligature that NFKC lowercases).
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", text).upper()
        folded = "".join(_fold_char(ch) for ch in _IGNORABLE.sub("", folded))
        if folded == text:
            break
        text = folded
    return text


def fold(text: str) -> str:
    """`text` as a 文号 comparison sees it: NFKC, upper case, one bracket kind, ASCII digits,
    no spaces or invisible characters. Names that must be unique compare this way too."""
    return _fold((text or "")[:INPUT_LIMIT])


def normalize(number: str) -> str:
    """Canonical 文号: half-width, one bracket kind, no spaces or invisible characters,
    第/号/leading zeros unified. Never raises.

    `国办发〔2023〕12号`, `国办发[2023]12号`, `国办发（2023）12 号` and `国办发〔2023〕第012号`
    all become `国办发[2023]12号`.
    """
    text = _fold((number or "")[:INPUT_LIMIT]).replace("號", "号")
    text = _ORDINAL.sub("", text)
    match = _SERIAL.search(text)
    if match:
        # Leading zeros go without int(): a 10,000-digit serial must not raise.
        serial = match.group(1).lstrip("0") or "0"
        text = f"{text[:match.start()]}{serial}号"
    if len(text) > NORMAL_FORM_LIMIT:
        # Fits the column and stays distinct: a prefix plus a digest of the whole form.
        digest = hashlib.sha256(text.encode()).hexdigest()[:16].upper()
        text = f"{text[:NORMAL_FORM_LIMIT - 17]}#{digest}"
    return text
