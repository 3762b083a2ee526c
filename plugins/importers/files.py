"""What names a document the importers read, and how they fail: all that the commands ask of
them before importing anything (``is_document``), kept apart from the readers, whose modules
and patterns cost ~6 ms of every start of `check`, `export` and `edit` on a TOML report."""

from __future__ import annotations

from ..engine.errors import InputFileError

#: A published report is a few hundred KB (a Word file with a scanned seal a few MB).
MAX_BYTES = 20 * 1024 * 1024

#: The documents a reader reads, by suffix.
SUFFIXES = {".txt": "text", ".text": "text", ".docx": "docx", ".html": "html", ".htm": "html",
            ".shtml": "html", ".pdf": "pdf"}

#: Office files no reader reads: the import says to save them as .docx first.
OLD_OFFICE = {".doc": "Word 97-2003 (.doc)", ".wps": "WPS 文字 (.wps)", ".et": "WPS 表格", ".xls": "Excel 97-2003"}


class ImportFailed(InputFileError):
    """The file cannot be imported; the message says why and what to do."""
