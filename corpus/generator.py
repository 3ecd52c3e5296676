"""Public API: :func:`generate_document` draws a fictional department's final-accounts disclosure,
injects the requested defects and renders it in one of three text styles; :func:`generate_file`
renders the same draft as a real PDF, DOCX or XLSX file.

``generate_document(seed, style, [])`` is the clean twin of ``generate_document(seed, style, D)``:
the model, the noise and the layout come from ``seed`` alone; a defect only changes its target.
The same holds for ``generate_file(seed, fmt, [])``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Literal

from corpus.build import build_accounts
from corpus.defects import (
    DEFECT_CODES,
    TABLE_DEFECTS,
    TEXT_ONLY_DEFECTS,
    DefectNotApplicable,
    Draft,
    PendingDefect,
    inject,
    supported,
)
from corpus.files import FILE_FORMATS, FileFormat, hint_is_printed, render_file
from corpus.model import FinalAccounts, whole_evaluation
from corpus.narrative import build_narrative
from corpus.render_ocr import inline as ocr_inline
from corpus.render_ocr import render_ocr
from corpus.render_pdf import inline as pdf_inline
from corpus.render_pdf import render_pdf
from corpus.render_word import inline as word_inline
from corpus.render_word import render_word
from corpus.tables import build_tables

Style = Literal["pdf", "ocr", "word"]
STYLES: tuple[Style, ...] = ("pdf", "ocr", "word")

_ENCODINGS: dict[str, str] = {"pdf": "utf-8", "ocr": "gb18030", "word": "utf-16"}  # utf-16 writes a BOM
_RENDER: dict[str, Callable[[Draft, int], str]] = {"pdf": render_pdf, "ocr": render_ocr, "word": render_word}
_INLINE: dict[str, Callable[[str], str]] = {"pdf": pdf_inline, "ocr": ocr_inline, "word": word_inline}


@dataclass
class InjectedDefect:
    code: str  # rule code expected to fire (N301, A401 …)
    kind: str  # defect name (narrative_total_mismatch …)
    description: str  # Chinese
    hint: str  # a short string as written in the document (stated value, row code, label)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "kind": self.kind, "description": self.description, "hint": self.hint}


@dataclass
class GeneratedDocument:
    name: str  # file stem, e.g. gen_0007_pdf
    style: str
    text: str
    data: bytes  # the text encoded as the style's source would be (UTF-8 / GB18030 / UTF-16+BOM)
    department: str
    year: int
    defects: list[InjectedDefect] = field(default_factory=list)
    accounts: FinalAccounts | None = field(default=None, repr=False)  # the clean model

    @property
    def encoding(self) -> str:
        return _ENCODINGS[self.style]


def supported_defects(style: str) -> list[str]:
    """Defect names that can be injected in ``style`` (the Word style has no tables)."""
    return supported(style)


def build_draft(seed: int) -> Draft:
    """The clean draft (model, tables, narrative) for ``seed``."""
    accounts = build_accounts(Random(seed))
    # defects never touch the model itself, only what is rendered (the score table is a copy)
    performance = copy.deepcopy(accounts.performance)
    performance.whole = whole_evaluation(accounts.text_seed)  # the text styles print it (P609)
    return Draft(accounts, build_tables(accounts), build_narrative(accounts), performance)


def defective_draft(
    seed: int, style: str, defects: list[str], skip: frozenset[str] = frozenset()
) -> tuple[Draft, list[PendingDefect]]:
    """The draft for ``seed`` with ``defects`` injected (those the style supports, not in
    ``skip``, and the draft has room for), and what was injected."""
    draft = build_draft(seed)
    injected = []
    # a document without its tables part cannot carry a defect that lives in (or is checked
    # against) a table: such defects are skipped, as for the Word style
    tableless = "tables_part_missing" in defects
    for i, name in enumerate(defects):
        if name not in supported_defects(style) or name in skip:
            continue
        if tableless and name in TABLE_DEFECTS:
            continue
        try:
            injected.append(inject(name, draft, Random(f"{seed}:{i}:{name}")))
        except DefectNotApplicable:
            continue
    return draft, injected


def generate_document(seed: int, style: str, defects: list[str]) -> GeneratedDocument:
    """One synthetic document. Unknown defect names raise ``ValueError``; defects that do not
    apply to the style (table defects in "word") are skipped and not recorded."""
    if style not in _RENDER:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    unknown = [d for d in defects if d not in DEFECT_CODES]
    if unknown:
        raise ValueError(f"unknown defects: {unknown}")
    draft, injected = defective_draft(seed, style, defects)
    text = _RENDER[style](draft, seed)
    records = []
    for p in injected:
        hint = _INLINE[style](p.hint)
        if hint not in text:
            raise RuntimeError(f"hint {hint!r} of {p.kind} not found in the rendered text")
        records.append(InjectedDefect(p.code, p.kind, p.description, hint))
    a = draft.accounts
    return GeneratedDocument(
        name=f"gen_{seed:04d}_{style}",
        style=style,
        text=text,
        data=text.encode(_ENCODINGS[style]),
        department=a.dept.name,
        year=a.year,
        defects=records,
        accounts=a,
    )


@dataclass
class GeneratedFile:
    name: str  # file stem, e.g. gen_0007_docx
    fmt: str  # pdf | docx | xlsx
    data: bytes  # the file's bytes
    department: str
    year: int
    defects: list[InjectedDefect] = field(default_factory=list)
    accounts: FinalAccounts | None = field(default=None, repr=False)  # the clean model

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.fmt}"


def supported_file_defects(fmt: str) -> list[str]:
    """Defect names that can be injected in a file: those of the born-digital "pdf" text style
    (every defect mutates the draft, which files render in full, tables included) but the
    text-only kinds (``DefectKind.files`` False)."""
    if fmt not in FILE_FORMATS:
        raise ValueError(f"unknown file format {fmt!r}; expected one of {FILE_FORMATS}")
    return [d for d in supported("pdf") if d not in TEXT_ONLY_DEFECTS]


def generate_file(seed: int, fmt: FileFormat | str, defects: list[str]) -> GeneratedFile:
    """One synthetic document as a real file. The draft (and so every injected defect) is the
    one ``generate_document(seed, "pdf", defects)`` renders as text; hints are plain text as
    printed in the file (a code hint names the row whose 类|款|项 cells join to it)."""
    supported_file_defects(fmt)  # validates fmt
    unknown = [d for d in defects if d not in DEFECT_CODES]
    if unknown:
        raise ValueError(f"unknown defects: {unknown}")
    draft, injected = defective_draft(seed, "pdf", defects, skip=TEXT_ONLY_DEFECTS)
    data = render_file(draft, fmt, seed)
    records = []
    for p in injected:
        if not hint_is_printed(draft, p.hint):
            raise RuntimeError(f"hint {p.hint!r} of {p.kind} is not printed in the file")
        records.append(InjectedDefect(p.code, p.kind, p.description, p.hint))
    a = draft.accounts
    return GeneratedFile(
        name=f"gen_{seed:04d}_{fmt}",
        fmt=fmt,
        data=data,
        department=a.dept.name,
        year=a.year,
        defects=records,
        accounts=a,
    )
