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
    """The archive's files (folders apart: see `_folders`) and their flag bits."""
    with zipfile.ZipFile(result.path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        contents = {info.filename: archive.read(info) for info in infos}
        flags = {info.filename: info.flag_bits for info in infos}
    return contents, flags


def _folders(result) -> set[str]:
    with zipfile.ZipFile(result.path) as archive:
        return {info.filename.rstrip("/") for info in archive.infolist() if info.is_dir()}


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
    first, secret = (act(session, e, Action.APPROVE, w.reviewer) for e in (first, secret))
    other = act(session, other, Action.APPROVE, w.qj_reviewer)
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
    (dict(status="已通过"), ["建立“一网统管”机制"]),
])
def test_zip_matches_the_filter_exactly(session, w, stock, filters, expected):
    first = stock[0]
    act(session, first, Action.APPROVE, w.office)
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
    ("COM¹.pdf", "_COM¹.pdf"),
    ("lpt³", "_lpt³"),
    ("CONIN$", "_CONIN$"),
    ("conout$.docx", "_conout$.docx"),
    ("COM0.pdf", "_COM0.pdf"),
    ("lpt0", "_lpt0"),
    ("通知\x85\x9f.pdf", "通知.pdf"),
    ("万州\u202e区", "万州区"),
    ("\u2066万州区\u2069", "万州区"),
    ("万\u200b州区\ufeff", "万州区"),
    ("\u202e\u200b", "未命名"),
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
    entry = brand.create(session, actor=w.clerk, submit=True, uploads=[evidence("a.pdf")],
                         data=good_input(w, item="建立<跨区域>协同:机制/" + "长" * 150 + "..."))
    act(session, entry, Action.APPROVE, w.reviewer)

    result = brand_zip.build(session, actor=w.office, filters=Filters())

    contents, _ = _read(result)
    folder = next(n for n in contents if n.endswith("/a.pdf")).split("/")[1]
    assert folder.startswith("001_建立跨区域协同机制长") and len(folder) <= 4 + brand_zip.ITEM_FOLDER_LIMIT
    assert not set('<>:"\\|?*') & set(folder)


# --- what a real office downloads ---------------------------------------------------------------

def _index(result) -> list[dict]:
    contents, _ = _read(result)
    return [row for _, row in read_xlsx(contents["清单.xlsx"])]


def test_by_default_only_entries_that_reached_the_reform_office_are_downloaded(session, w):
    def entry(item, *steps, clerk=None):
        made = brand.create(session, actor=clerk or w.clerk, data=good_input(w, item=item),
                            uploads=[evidence()], submit=bool(steps))
        for action, actor in steps[1:]:
            made = act(session, made, action, actor, comment="材料不全，请补充")
        return made
    submit = (None, None)
    entry("草稿中的事项")
    entry("待区县审核的事项", submit)
    entry("待市委改革办审核的事项", submit, (Action.APPROVE, w.reviewer))
    entry("已通过的事项", submit, (Action.APPROVE, w.reviewer), (Action.APPROVE, w.office))
    entry("退回修改的事项", submit, (Action.APPROVE, w.reviewer), (Action.REJECT, w.office))
    returned = entry("作废的事项", submit, (Action.REJECT, w.reviewer))
    act(session, returned, Action.CANCEL, w.clerk)

    default = brand_zip.build(session, actor=w.office, filters=Filters())
    chosen = brand_zip.build(session, actor=w.office, filters=Filters(status="待区县审核"))

    assert [r["改革事项"] for r in _index(default)] == ["待市委改革办审核的事项", "已通过的事项"]
    assert [r["改革事项"] for r in _index(chosen)] == ["待区县审核的事项"]


def test_every_folder_the_index_names_is_in_the_archive_even_without_files(session, w, stock):
    result = brand_zip.build(session, actor=w.office, filters=Filters())

    assert {r["文件夹"] for r in _index(result)} == _folders(result)
    assert "万州区/002_健全保密审查体系" in _folders(result)


def test_a_large_selection_is_split_into_parts_of_whole_districts_under_the_limit(
        session, w, stock):
    first, secret, other = stock
    wanzhou = sum(a.size for a in brand.evidence(session, actor=w.office, entry_id=first.id))

    parts = brand_zip.plan(session, actor=w.office, filters=Filters(), limit=wanzhou)
    built = brand_zip.build_all(session, actor=w.office, filters=Filters(), limit=wanzhou)

    assert [(p.label, set(p.entry_ids), p.size) for p in parts] == [
        ("第1部分（万州区）", {first.id, secret.id}, wanzhou),
        ("第2部分（黔江区）", {other.id}, len(PDF) + 2)]
    indexes = [_index(r) for r in built.results]
    assert [[r["文件夹"] for r in rows] for rows in indexes] == [
        ["万州区/001_建立“一网统管”机制", "万州区/002_健全保密审查体系"],
        ["黔江区/001_开展“放管服”改革"]]
    assert [_folders(r) for r in built.results] == [{r["文件夹"] for r in rows}
                                                    for rows in indexes]
    assert [r.filename for r in built.results] == ["改革品牌佐证材料_第1部分_共2部分.zip",
                                                   "改革品牌佐证材料_第2部分_共2部分.zip"]


def test_a_district_larger_than_a_part_is_split_by_item(session, w, stock):
    first, secret, other = stock
    limit = len(PDF) * 3  # less than 万州区's first entry alone

    parts = brand_zip.plan(session, actor=w.office, filters=Filters(), limit=limit)

    assert [(p.label, set(p.entry_ids)) for p in parts] == [
        ("第1部分（万州区）", {first.id}), ("第2部分（万州区、黔江区）", {secret.id, other.id})]
    assert all(p.size <= limit for p in parts if len(p.entry_ids) > 1)


def test_districts_that_fit_together_share_one_part(session, w, stock):
    parts = brand_zip.plan(session, actor=w.office, filters=Filters())

    assert [(p.label, p.files, p.filename) for p in parts] == [
        ("万州区、黔江区", 4, "改革品牌佐证材料.zip")]


def test_a_download_ticket_is_good_once_and_removing_the_archive_revokes_it(session, w, stock):
    built = brand_zip.build_all(session, actor=w.office, filters=Filters())
    [result] = built.results
    ticket = built.tickets[result.path]

    first = brand_zip.claim(ticket)
    second = brand_zip.claim(ticket)
    again = brand_zip.ticket(result)
    brand_zip.remove(str(result.path))

    assert first == (str(result.path), "改革品牌佐证材料.zip") and second is None
    assert not result.path.exists() and brand_zip.claim(again) is None
    assert brand_zip.claim("guessed") is None


def test_archives_of_a_session_are_deleted_when_it_ends_or_discards_them(session, w, stock):
    import gc
    limit = len(PDF) * 3
    built = brand_zip.build_all(session, actor=w.office, filters=Filters(), limit=limit)
    again = brand_zip.build_all(session, actor=w.office, filters=Filters(), limit=limit)
    paths = [r.path for r in built.results]
    assert all(p.exists() for p in paths) and len(paths) == 2

    built.discard()
    ended = [r.path for r in again.results]
    del again  # the session's state goes with the session
    gc.collect()

    assert not any(p.exists() for p in paths + ended)


def test_stale_archives_are_removed_and_fresh_ones_kept(session, w, stock):
    import os
    import time
    old = brand_zip.build(session, actor=w.office, filters=Filters()).path
    fresh = brand_zip.build(session, actor=w.office, filters=Filters()).path
    hours_ago = time.time() - 2 * brand_zip.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))

    assert brand_zip.remove_stale() == 1

    assert not old.exists() and fresh.exists()
