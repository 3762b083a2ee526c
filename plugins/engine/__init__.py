"""The headless engine every front end drives: the report and its metadata (report, meta),
the site configuration (config), reading and saving report files (tomlread, tomlwrite,
store, journal, review, history), checking (checks, prose) and rendering (render).

No Textual here (a test enforces it); plugin code uses the contract in :mod:`plugins` instead.
"""
