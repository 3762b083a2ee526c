"""The plugin host: finding, importing and registering plugins (:mod:`.manager`) and the one
guarded call through which every piece of plugin code runs (:mod:`.guard`).

Plugin code never imports from here; it uses the contract in :mod:`plugins`.
"""
