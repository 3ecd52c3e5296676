"""Domain errors: a Chinese message for the person, an English one for the log."""

from __future__ import annotations


class JuesuanError(Exception):
    """Base error. ``user_message`` is shown to users (Chinese); ``str(exc)`` is for logs."""

    def __init__(self, log_message: str, user_message: str) -> None:
        super().__init__(log_message)
        self.user_message = user_message


class BadInputError(JuesuanError):
    """The input cannot be processed as it is (permanent: retrying will not help)."""


class EmptyInputError(BadInputError):
    def __init__(self) -> None:
        super().__init__("empty input", "空文件：文件没有内容，请检查上传的文件。")


class UndecodableInputError(BadInputError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"cannot decode text: {detail}",
            "无法识别文件编码或文件不是文本：请上传 UTF-8/GB18030/UTF-16 编码的文本文件。",
        )


class NotFinalAccountsError(BadInputError):
    def __init__(self) -> None:
        super().__init__(
            "not a final-accounts document",
            "不是部门决算文件：未找到部门决算的表格或情况说明（如“收入支出决算总表”“决算情况说明”）。",
        )


class BlankTemplateError(NotFinalAccountsError):
    def __init__(self) -> None:
        BadInputError.__init__(
            self,
            "blank template",
            "这是部门决算公开的空白模板：表格没有填写数据，说明中是“XXX万元”之类的占位符，未作检查。"
            "请上传填写完成的部门决算文件。",
        )


class BudgetDocumentError(NotFinalAccountsError):
    def __init__(self) -> None:
        BadInputError.__init__(
            self,
            "budget, not final accounts",
            "这是部门预算文件（预算表、预算情况说明），不是部门决算，未作决算检查：请上传部门决算公开文件。",
        )
