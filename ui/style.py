"""The app's stylesheet and one small script, drawn once per run by the menu.

Streamlit writes a few words of its own into widgets and offers no setting for them (the upload
button, the date segments' placeholders, an empty drop-down). The stylesheet hides those words
and shows Chinese ones in their place; README lists what stays English. The script closes the
phone menu once a page is chosen (it only clicks Streamlit's own collapse button: no rerun).
"""
import re

import streamlit as st

PHONE = "(max-width: 640px)"  # 390 px phones and small tablets in portrait

# Hide Streamlit's word (font-size 0) and write ours after it at the normal size.
_REPLACE = "font-size:0 !important;"
_SHOW = "font-size:1rem;"

STYLESHEET = f"""
[data-testid="stFileUploaderDropzone"] button p {{{_REPLACE}}}
[data-testid="stFileUploaderDropzone"] button p::after {{content:"选择文件";{_SHOW}}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{{_REPLACE}}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content:"可上传多个文件";
  font-size:0.875rem;}}
[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"] {{{_REPLACE}}}
[data-testid="stDateInputField"] [data-type="year"][data-placeholder="true"]::after
  {{content:"年";{_SHOW}}}
[data-testid="stDateInputField"] [data-type="month"][data-placeholder="true"]::after
  {{content:"月";{_SHOW}}}
[data-testid="stDateInputField"] [data-type="day"][data-placeholder="true"]::after
  {{content:"日";{_SHOW}}}
[data-testid="stSkipToContent"] {{{_REPLACE}}}
[data-testid="stSkipToContent"]::after {{content:"跳到主要内容";{_SHOW}}}
[role="listbox"][data-empty="true"] [role="option"] span {{{_REPLACE}}}
[role="listbox"][data-empty="true"] [role="option"] span::after {{content:"无匹配选项";{_SHOW}}}
/* 作废, 删除, 撤回, 停用 (ui.confirm_action): plainly a button, never mistaken for 保存并上报. */
[data-testid="stBaseButton-tertiary"] {{color:#B71C1C !important; text-decoration:underline;}}
/* Long words and addresses wrap instead of pushing the page sideways on a phone. */
[data-testid="stMarkdownContainer"] p, [data-testid="stText"] {{overflow-wrap:anywhere;}}
@media {PHONE} {{
  /* A row of a text and its buttons (已开展工作): the text gets the full width, the buttons
     go under it as one row. */
  [class*="st-key-wrap-row-"] {{flex-wrap:wrap !important;}}
  [class*="st-key-wrap-row-"] > :first-child {{flex:1 1 100% !important; width:100% !important;
    max-width:100% !important;}}
}}
"""

CLOSE_MENU_ON_PHONE = """<script>
(() => {
  if (window.__reformMenuCloser) return;
  window.__reformMenuCloser = true;
  document.addEventListener("click", (event) => {
    // A page chosen, or 退出登录 (the next person's first page would open under the menu).
    if (!event.target.closest('[data-testid="stSidebarNav"] a, .st-key-logout_button button')) {
      return;
    }
    if (!window.matchMedia("%s").matches) return;
    setTimeout(() => {
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 50);
  }, true);
})();
</script>""" % PHONE


def apply() -> None:
    """Draw the stylesheet (in the page's style slot, taking no room) and, in the sidebar, the
    script that closes the menu after navigation on a phone."""
    st.html(f"<style>{STYLESHEET}</style>")
    with st.sidebar:
        st.html(CLOSE_MENU_ON_PHONE, unsafe_allow_javascript=True)


def css_class(key: str) -> str:
    """The class Streamlit gives the element drawn with widget or container key `key`."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def upload_note(key: str, text: str) -> None:
    """What one upload box accepts, written in the box in place of Streamlit's own line."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    st.html(f'<style>.{css_class(key)} [data-testid="stFileUploaderDropzoneInstructions"] '
            f'span::after {{content:"{text}";}}</style>')


def required_marks(keys) -> None:
    """A red ＊ after the label of each widget drawn with one of `keys`."""
    selectors = ",".join(f'.{css_class(k)} [data-testid="stWidgetLabel"] p::after'
                         for k in keys)
    if selectors:
        st.html(f'<style>{selectors} {{content:" ＊";color:#B71C1C;}}</style>')
