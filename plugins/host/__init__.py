"""The plugin host: importing plugins (:mod:`.loader`, with :mod:`.entrypoints` for installed
packages), what they supply and the lookups on it (:mod:`.registry`), the :class:`PluginHost`
that joins the two and calls their hooks (:mod:`.manager`), the one guarded call through which
every piece of plugin code runs (:mod:`.guard`), and what ``nianbao fields`` prints
(:mod:`.reference`).

Plugin code never imports from here; it uses the contract in :mod:`plugins`.
"""
