"""Reply letters (答复告知书): text from a standard template per outcome, DOCX and PDF.

Being written by a helper in this session; see the interface below.
"""

from __future__ import annotations

from typing import Any


def letter_text(reply: Any) -> str:
    raise NotImplementedError


def render_docx(reply: Any) -> bytes:
    raise NotImplementedError


def render_pdf(reply: Any) -> bytes:
    raise NotImplementedError
