"""Importing reports as they are published (Word, web page, PDF, plain text) into nianbao
reports: :mod:`.files` says which files are documents and how an import fails,
:mod:`.readers` turns each kind of file into blocks, :mod:`.mapping` maps blocks to a report
of a format by the format's own declarations, :mod:`.digits` splits table rows whose figures
arrived run together, :mod:`.record` checks what an import kept as found."""

from __future__ import annotations

from .files import MAX_BYTES, SUFFIXES, ImportFailed

__all__ = ["ImportFailed", "SUFFIXES", "MAX_BYTES", "import_file", "is_document", "load_any", "FOLDER_SUFFIXES"]

#: Documents taken from a folder of reports (``aggregate FOLDER``) besides ``*.toml``: the
#: files units publish. Plain text is taken only when named.
FOLDER_SUFFIXES = (".docx", ".html", ".htm", ".pdf")


def is_document(path) -> bool:
    """Whether ``path`` names a published document (not a nianbao TOML file)."""
    from pathlib import Path

    return Path(path).suffix.lower() in SUFFIXES or Path(path).suffix.lower() in (".doc", ".wps")


def import_file(host, path, **given):
    """Read the document at ``path`` into an :class:`~.mapping.Imported` (report, record)."""
    from .mapping import import_path

    return import_path(host, path, **given)


def load_any(host, path):
    """A report from a nianbao TOML file, or imported in memory from a published document
    (``nianbao check report.docx``, ``aggregate``, ``new --from``). Raises
    :class:`~plugins.engine.errors.InputFileError` (ImportFailed for documents) with the reason."""
    from pathlib import Path

    from ..engine.store import load_report

    if not is_document(path):
        return load_report(path)
    imported = import_file(host, path)
    imported.report.path = Path(path)
    return imported.report
