"""Domain errors: every message is Chinese, says what is wrong and what to do."""


class DomainError(Exception):
    """Base of every refusal a user may see."""


class PermissionDenied(DomainError):
    pass


class TransitionNotAllowed(DomainError):
    pass


class ValidationError(DomainError):
    pass


class Conflict(DomainError):
    pass


class DuplicateDocument(DomainError):
    """A 文号 that another live pilot already has; `existing_id` names that pilot."""

    def __init__(self, message: str, existing_id: int | None = None):
        super().__init__(message)
        self.existing_id = existing_id


class LoginRefused(DomainError):
    pass


class SessionExpired(DomainError):
    pass


class RowErrors(ValidationError):
    """A bulk import refused as a whole; `rows` holds (row number, reason) pairs."""

    def __init__(self, rows: list[tuple[int, str]]):
        self.rows = rows
        lines = "；".join(f"第{n}行：{msg}" for n, msg in rows[:20])
        more = f"（另有{len(rows) - 20}处）" if len(rows) > 20 else ""
        super().__init__(f"导入未执行，共{len(rows)}处错误：{lines}{more}")


CONFLICT_MESSAGE = "该记录已被他人处理，请刷新后重试"
