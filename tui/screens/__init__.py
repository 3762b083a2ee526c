"""The screens shown over the form (each a module): ``help.py`` (F1), ``export.py`` (F10),
``status.py`` (``nianbao status --tui``, the county office's list of units). A new screen goes
here, opened by an action in ``tui/actions.py``."""
