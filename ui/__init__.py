"""The UI helper package: login, navigation, widgets. `import ui` gives all of it."""
from ui.login import APP_TITLE, authenticate, bootstrap, change_password_form
from ui.menu import (
    all_pages, may_open, navigation, open_record, require_user, sidebar,
)
from ui.review_panel import comparison, review_panel
from ui.widgets import (
    attachments, choose_many, confirm_action, date_field, excel_button, flash, history, literal,
    perform, pick, print_button, print_list_button, record_card, reject_reason, required_note,
    table, upload,
)

__all__ = [
    "APP_TITLE", "all_pages", "attachments", "authenticate", "bootstrap", "change_password_form",
    "choose_many", "comparison", "confirm_action", "date_field", "excel_button", "flash",
    "history", "literal", "may_open", "navigation", "open_record", "perform", "pick",
    "print_button", "print_list_button",
    "record_card", "reject_reason", "require_user", "required_note", "review_panel", "sidebar",
    "table", "upload",
]
