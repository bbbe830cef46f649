"""Equivalent spellings of a 文号 collide; distinct numbers never do."""
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from services.docnumbers import NORMAL_FORM_LIMIT, normalize

PREFIXES = ["国办发", "国发", "中办发", "发改体改", "财税", "农经发", "工信部联规"]
# Every paired bracket kind a clerk may put around the year, opening and closing apart:
# a spelling may even mix kinds (`〔2023]`).
OPENING = "〔［[【（(「『〖〘〚︵﹝⦅｟《〈{｛<"
CLOSING = "〕］]】）)」』〗〙〛︶﹞⦆｠》〉}｝>"
DIGITS = ["0123456789", "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "०१२३४५६७८९"]
# All whitespace: `\s` and the Unicode Zs category (no-break, ideographic, thin spaces …).
SPACES = sorted({chr(c) for c in range(sys.maxunicode + 1)
                 if chr(c).isspace() or unicodedata.category(chr(c)) == "Zs"})
# Invisible characters outside Cf: variation selectors, combining grapheme joiner, fillers.
IGNORABLE = ["\ufe0f", "\ufe00", "\u034f", "\u3164", "\u180b", "\U000e0100"]


def test_manual_examples_are_one_number():
    spellings = ["国办发〔2023〕12号", "国办发[2023]12号", "国办发（2023）12 号",
                 "国办发〔2023〕第12号", "国办发 〔２０２３〕 12号", "国办发〔2023〕012号"]

    assert len({normalize(s) for s in spellings}) == 1


def test_invisible_characters_and_other_bracket_kinds_do_not_make_a_new_number():
    spellings = ["国办发〔2023〕12号", "国办发\u200b〔2023〕12号", "\ufeff国办发〔2023〕12号",
                 "国办发〔20\u00ad23〕1\u20602号", "国办\u200d发「2023」12号", "国办发﹝2023﹞12号",
                 "国办发︵2023︶12号", "国办发｟2023｠12号", "国办发⦅2023⦆12号", "国办发《2023》12号",
                 "国办发〖2023〗12号", "国办发〘2023〙12號", "国办发\u00a0〚2023〛\u202f12号",
                 "国办发『2023』\ufe0f12号", "国办发\U000e0041〔2023〕12号"]

    assert {normalize(s) for s in spellings} == {"国办发[2023]12号"}


def test_a_hundred_thousand_digit_number_does_not_raise():
    huge = "国办发〔2023〕" + "7" * 100_000 + "号"

    assert 0 < len(normalize(huge)) <= NORMAL_FORM_LIMIT
    assert normalize("0" * 100_000) == "0号"


def test_a_normal_form_fits_its_column_and_long_numbers_stay_apart():
    ligature = "\ufdfa" * 90  # NFKC makes each of these 18 characters

    a, b = normalize(ligature + "1号"), normalize(ligature + "2号")

    assert len(a) <= NORMAL_FORM_LIMIT and len(b) <= NORMAL_FORM_LIMIT and a != b


@st.composite
def invisible(draw):
    return draw(st.one_of(st.characters(categories=["Cf"]), st.sampled_from(IGNORABLE)))


@st.composite
def sprinkle(draw, text):
    """`text` with invisible characters and whitespace inserted anywhere."""
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):
        extra = draw(st.one_of(invisible(), st.sampled_from(SPACES)))
        chars.insert(draw(st.integers(0, len(chars))), extra)
    return "".join(chars)


@st.composite
def spelling(draw, prefix, year, serial):
    left, right = draw(st.sampled_from(OPENING)), draw(st.sampled_from(CLOSING))
    digits = str.maketrans("0123456789", draw(st.sampled_from(DIGITS)))
    year_text, serial_text = str(year).translate(digits), str(serial).translate(digits)
    zeros = "0" * draw(st.integers(0, 2))
    ordinal = "第" if draw(st.booleans()) else ""
    suffix = draw(st.sampled_from(["号", " 号", "号 ", "號", ""]))
    text = f"{prefix}{left}{year_text}{right}{ordinal}{zeros}{serial_text}{suffix}"
    return draw(sprinkle(text))


@settings(deadline=None)  # a busy shared machine must not fail a correct run
@given(st.data(), st.sampled_from(PREFIXES), st.integers(1990, 2030), st.integers(1, 500))
def test_equivalent_spellings_collide(data, prefix, year, serial):
    a = data.draw(spelling(prefix, year, serial))
    b = data.draw(spelling(prefix, year, serial))

    assert normalize(a) == normalize(b) == f"{prefix}[{year}]{serial}号"


@settings(deadline=None)
@given(st.data(),
       st.tuples(st.sampled_from(PREFIXES), st.integers(1990, 2030), st.integers(1, 500)),
       st.tuples(st.sampled_from(PREFIXES), st.integers(1990, 2030), st.integers(1, 500)))
def test_distinct_numbers_never_collide(data, first, second):
    a = data.draw(spelling(*first))
    b = data.draw(spelling(*second))

    assert (normalize(a) == normalize(b)) == (first == second)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_normalizes_without_raising_to_a_fixed_point_that_fits_the_column(text):
    once = normalize(text)

    assert len(once) <= NORMAL_FORM_LIMIT
    if len(once) < NORMAL_FORM_LIMIT:
        assert normalize(once) == once
