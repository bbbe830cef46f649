"""The UI helper package: login, navigation, widgets. `import ui` gives all of it."""
from ui.login import APP_TITLE, authenticate, bootstrap, change_password_form
from ui.menu import (
    all_pages, may_open, navigation, open_record, require_user, sidebar,
)
from ui.review_panel import comparison, review_panel
from ui.widgets import (
    attachments, excel_button, flash, history, literal, perform, pick, reject_reason, table,
)

__all__ = [
    "APP_TITLE", "all_pages", "attachments", "authenticate", "bootstrap", "change_password_form",
    "comparison", "excel_button", "flash", "history", "literal", "may_open", "navigation",
    "open_record", "perform", "pick", "reject_reason", "require_user", "review_panel", "sidebar",
    "table",
]
