"""User text shown through Markdown-rendering elements stays literal (no links, images,
colours or formatting)."""
import re

import pytest

from ui.widgets import literal

SPECIAL = set("\\`*_{}[]()#+-.!|:<>$~&=^\"'@/%")
ATTACKS = [
    "![](http://127.0.0.1:9/track.png)",
    "[点此查看](http://evil.example/login)",
    ":red[系统警告：账号将被停用]",
    "**加粗** _斜体_ ~~删除~~ `代码`",
    "<img src=x onerror=alert(1)>",
    "$x^2$",
    "# 标题\n- 列表",
    "www.evil.example 或 someone@evil.example",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_every_markdown_character_of_user_text_is_escaped(text):
    shown = literal(text)

    unescaped, i = [], 0
    while i < len(shown):
        if shown[i] == "\\":
            i += 2  # an escape and the character it escapes
            continue
        if shown[i] in SPECIAL:
            unescaped.append(shown[i])
        i += 1
    assert unescaped == []


@pytest.mark.parametrize("text", ATTACKS)
def test_literal_text_reads_back_as_typed(text):
    shown = literal(text)

    restored = re.sub(r"\\(.)", r"\1", shown.replace("\u200b", "").replace("  \n", "\n"))
    assert restored == text


def test_addresses_are_broken_so_the_renderer_cannot_link_them():
    shown = literal("http://evil.example www.evil.example a@b.example")

    assert "://" not in shown and "\\:\u200b" in shown
    assert "www\u200b\\." in shown and "\\@\u200b" in shown
