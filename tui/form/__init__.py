"""The report's form: one page of fields built from their declarations (``page.py``), the
widget that edits each field kind (``editors.py``; tables in ``grid.py``, lists of records in
``records.py``), and the box that holds a field with its label and messages (``field_box.py``)."""
