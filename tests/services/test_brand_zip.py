"""批量下载: the ZIP holds exactly the filtered entries' files, byte for byte, under safe,
unique names, with a 清单.xlsx listing them; only 市委改革办 may build it."""
import zipfile
from datetime import date

import pytest

from services import brand, brand_zip
from services.brand import Filters
from services.errors import PermissionDenied, ValidationError
from services.exports import read_xlsx
from services.review import Action
from tests.services.brand_helpers import (
    PDF, PNG, act, cast, evidence, good_input, summary,
)


@pytest.fixture
def w(session):
    return cast(session)


def _read(result):
    with zipfile.ZipFile(result.path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
        flags = {info.filename: info.flag_bits for info in archive.infolist()}
    return contents, flags


@pytest.fixture
def stock(session, w):
    """万州区: two entries (one with two files both named 通知.pdf, one 涉密); 黔江区: one."""
    first = brand.create(session, actor=w.clerk, submit=True,
                         data=good_input(w, item="建立“一网统管”机制", brief_mention=True,
                                         summary_signed=True),
                         uploads=[evidence("通知.pdf", PDF + b"first"),
                                  evidence("通知.pdf", PDF + b"second"),
                                  summary("总结材料.png", PNG)])
    secret = brand.create(session, actor=w.clerk, submit=True,
                          data=good_input(w, item="健全保密审查体系", awarded_on=date(2024, 7, 1),
                                          is_secret=True, sent_offline=True))
    other = brand.create(session, actor=w.qj_clerk, submit=True,
                         data=good_input(w, item="开展“放管服”改革", category_id=w.national),
                         uploads=[evidence("新闻报道.pdf", PDF + b"qj")])
    return first, secret, other


def test_zip_holds_each_items_files_byte_identical_with_same_names_made_unique(
        session, w, stock):
    first, secret, other = stock
    seen = []

    result = brand_zip.build(session, actor=w.office, filters=Filters(),
                             progress=lambda done, total: seen.append((done, total)))

    contents, flags = _read(result)
    assert contents["万州区/001_建立“一网统管”机制/通知.pdf"] == PDF + b"first"
    assert contents["万州区/001_建立“一网统管”机制/通知(2).pdf"] == PDF + b"second"
    assert contents["万州区/001_建立“一网统管”机制/总结材料.png"] == PNG
    assert contents["黔江区/001_开展“放管服”改革/新闻报道.pdf"] == PDF + b"qj"
    assert set(contents) == {"万州区/001_建立“一网统管”机制/通知.pdf",
                             "万州区/001_建立“一网统管”机制/通知(2).pdf",
                             "万州区/001_建立“一网统管”机制/总结材料.png",
                             "黔江区/001_开展“放管服”改革/新闻报道.pdf", "清单.xlsx"}
    assert all(bits & 0x800 for bits in flags.values())  # UTF-8 names
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert (result.items, result.files) == (3, 4)


def test_index_lists_every_item_and_its_files_and_marks_secret_ones(session, w, stock):
    result = brand_zip.build(session, actor=w.office, filters=Filters())

    contents, _ = _read(result)
    rows = [row for _, row in read_xlsx(contents["清单.xlsx"])]
    assert [(r["区县"], r["文件夹"], r["改革事项"], r["获评类别"], r["涉密"], r["材料文件"])
            for r in rows] == [
        ("万州区", "万州区/001_建立“一网统管”机制", "建立“一网统管”机制", "获全市推广", "否",
         "佐证材料：通知.pdf；佐证材料：通知(2).pdf；总结材料：总结材料.png"),
        ("万州区", "万州区/002_健全保密审查体系", "健全保密审查体系", "获全市推广", "是", "涉密，线下报送"),
        ("黔江区", "黔江区/001_开展“放管服”改革", "开展“放管服”改革", "获全国肯定性评价", "否",
         "佐证材料：新闻报道.pdf"),
    ]


@pytest.mark.parametrize("filters, expected", [
    (dict(district_id="qianjiang"), ["开展“放管服”改革"]),
    (dict(category_id="national"), ["开展“放管服”改革"]),
    (dict(start=date(2024, 6, 1), end=date(2024, 12, 31)), ["健全保密审查体系"]),
    (dict(status="待市委改革办审核"), ["建立“一网统管”机制"]),
])
def test_zip_matches_the_filter_exactly(session, w, stock, filters, expected):
    first = stock[0]
    act(session, first, Action.APPROVE, w.reviewer)
    filters = {k: getattr(w, v) if isinstance(v, str) and k != "status" else v
               for k, v in filters.items()}

    result = brand_zip.build(session, actor=w.office, filters=Filters(**filters))

    contents, _ = _read(result)
    rows = [row for _, row in read_xlsx(contents["清单.xlsx"])]
    assert [r["改革事项"] for r in rows] == expected
    folders = {name.rsplit("/", 1)[0] for name in contents if name != "清单.xlsx"}
    assert folders <= {r["文件夹"] for r in rows}


@pytest.mark.parametrize("who", ["clerk", "reviewer", "leader", "dept_clerk"])
def test_only_the_reform_office_downloads_in_bulk(session, w, stock, who):
    with pytest.raises(PermissionDenied, match="批量下载仅限市委改革办"):
        brand_zip.build(session, actor=getattr(w, who), filters=Filters())


def test_an_empty_selection_is_refused_with_a_message(session, w):
    with pytest.raises(ValidationError, match="没有符合筛选条件"):
        brand_zip.build(session, actor=w.office, filters=Filters())


def test_drafts_are_never_in_the_office_download(session, w):
    brand.create(session, actor=w.clerk, data=good_input(w), uploads=[evidence()])

    with pytest.raises(ValidationError, match="没有符合筛选条件"):
        brand_zip.build(session, actor=w.office, filters=Filters())


@pytest.mark.parametrize("name, safe", [
    ('a<b>c:d"e/f\\g|h?i*j.pdf', "abcdefghij.pdf"),
    ("通知\x01\x1f.pdf", "通知.pdf"),
    ("报告. . .", "报告"),
    ("CON", "_CON"),
    ("con.pdf", "_con.pdf"),
    ("LPT9.docx", "_LPT9.docx"),
    ("COM1 .txt", "_COM1 .txt"),
    ("", "未命名"),
    ("???", "未命名"),
])
def test_names_are_made_safe_for_windows(name, safe):
    assert brand_zip.safe_component(name) == safe


def test_long_names_are_cut_keeping_the_extension():
    cut = brand_zip.safe_component("很" * 300 + ".pdf")

    assert len(cut) == brand_zip.COMPONENT_LIMIT and cut.endswith("很.pdf")


def test_unique_names_ignore_case_like_windows():
    taken: set[str] = set()

    names = [brand_zip.unique_name(n, taken) for n in ["通知.pdf", "通知.PDF", "通知.pdf", "说明"]]

    assert names == ["通知.pdf", "通知(2).PDF", "通知(3).pdf", "说明"]


def test_item_folder_names_are_safe_and_short(session, w):
    brand.create(session, actor=w.clerk, submit=True, uploads=[evidence("a.pdf")],
                 data=good_input(w, item="建立<跨区域>协同:机制/" + "长" * 150 + "..."))

    result = brand_zip.build(session, actor=w.office, filters=Filters())

    contents, _ = _read(result)
    folder = next(n for n in contents if n.endswith("/a.pdf")).split("/")[1]
    assert folder.startswith("001_建立跨区域协同机制长") and len(folder) <= 4 + brand_zip.ITEM_FOLDER_LIMIT
    assert not set('<>:"\\|?*') & set(folder)
