"""名录库 (every user): the 一件事 included in the catalog and not removed, searchable by name,
filtered by district and 重点领域, exported to Excel."""
import streamlit as st

import ui
from models import OrgKind
from services import db, orgs
from services.digital import catalog
from services.errors import DomainError
from services.exports import XLSX_MIME
from services.records import MAX_PAGE_SIZE

PAGE = "pages/digital_catalog.py"
user = ui.require_user(page=PAGE)
st.title("名录库")
st.caption("已纳入名录库的“一件事”事项，不再重复策划。")
with db.session_scope() as s:
    districts = {o.id: o.name for o in orgs.all_orgs(s, kind=OrgKind.DISTRICT)}
    domains = {d.id: d.name + ("（已停用）" if d.retired else "")
               for d in catalog.domains(s, include_retired=True)}

text = st.text_input("事项名称", key="catalog-text", placeholder="输入事项名称中的文字查询")
left, right = st.columns(2)
district = left.selectbox("区县", [None] + list(districts), key="catalog-district",
                          format_func=lambda i: "全部区县" if i is None else districts[i])
domain = right.selectbox("重点领域", [None] + list(domains), key="catalog-domain",
                         format_func=lambda i: "全部领域" if i is None else domains[i])
try:
    with db.session_scope() as s:
        rows = catalog.search(s, actor=user, text=text, district_id=district, domain_id=domain)
except DomainError as exc:
    st.error(ui.literal(exc))
    rows = []

filtered = bool(text.strip()) or district is not None or domain is not None
st.caption(f"共 {len(rows)} 项" + (f"（只列出前 {MAX_PAGE_SIZE} 项，请缩小查询范围）"
                                  if len(rows) >= MAX_PAGE_SIZE else ""))
ui.table([r.as_row() for r in rows],
         empty="没有符合条件的事项，请调整查询条件。" if filtered else "名录库中暂无事项。")
st.download_button("导出Excel", data=lambda: catalog.export(rows), file_name="一件事名录库.xlsx",
                   mime=XLSX_MIME, key="catalog-xlsx", disabled=not rows, on_click="ignore")
