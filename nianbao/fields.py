"""The field types a section declares (:mod:`plugins.fields`, re-exported)::

    from nianbao.fields import Integer, Text, Records, Computed, field_path
"""

from __future__ import annotations

from plugins.fields import (
    Choice,
    Computed,
    Date,
    Decimal,
    Field,
    FieldError,
    Grid,
    GridColumn,
    GridRow,
    Integer,
    Line,
    Records,
    Text,
    Total,
    clean_text,
    field_path,
)

__all__ = [
    "FieldError",
    "Field",
    "Integer",
    "Decimal",
    "Line",
    "Text",
    "Date",
    "Choice",
    "Records",
    "Total",
    "Grid",
    "GridRow",
    "GridColumn",
    "Computed",
    "clean_text",
    "field_path",
]
