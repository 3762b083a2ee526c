"""The Textual front end and the ``nianbao`` command line.

This package's ``__init__`` imports nothing: ``tui.cli`` must start without Textual."""
