"""Equivalent spellings of a 文号 collide; distinct numbers never do."""
from hypothesis import given
from hypothesis import strategies as st

from services.docnumbers import normalize

PREFIXES = ["国办发", "国发", "中办发", "发改体改", "财税", "农经发", "工信部联规"]
BRACKETS = [("〔", "〕"), ("[", "]"), ("［", "］"), ("【", "】"), ("（", "）"), ("(", ")")]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_manual_examples_are_one_number():
    spellings = ["国办发〔2023〕12号", "国办发[2023]12号", "国办发（2023）12 号",
                 "国办发〔2023〕第12号", "国办发 〔２０２３〕 12号", "国办发〔2023〕012号"]

    assert len({normalize(s) for s in spellings}) == 1


@st.composite
def spelling(draw, prefix, year, serial):
    left, right = draw(st.sampled_from(BRACKETS))
    digits = str(year), str(serial)
    if draw(st.booleans()):
        digits = tuple(d.translate(FULLWIDTH) for d in digits)
    zeros = "0" * draw(st.integers(0, 2))
    ordinal = "第" if draw(st.booleans()) else ""
    suffix = draw(st.sampled_from(["号", " 号", "号 ", ""]))
    space = draw(st.sampled_from(["", " ", "\u3000"]))
    return f"{space}{prefix}{space}{left}{digits[0]}{right}{space}{ordinal}{zeros}{digits[1]}{suffix}"


@given(st.data(), st.sampled_from(PREFIXES), st.integers(1990, 2030), st.integers(1, 500))
def test_equivalent_spellings_collide(data, prefix, year, serial):
    a = data.draw(spelling(prefix, year, serial))
    b = data.draw(spelling(prefix, year, serial))

    assert normalize(a) == normalize(b)


@given(st.data(),
       st.tuples(st.sampled_from(PREFIXES), st.integers(1990, 2030), st.integers(1, 500)),
       st.tuples(st.sampled_from(PREFIXES), st.integers(1990, 2030), st.integers(1, 500)))
def test_distinct_numbers_never_collide(data, first, second):
    a = data.draw(spelling(*first))
    b = data.draw(spelling(*second))

    assert (normalize(a) == normalize(b)) == (first == second)
