"""The hook contract of nianbao (pluggy project name ``nianbao``, entry-point group ``nianbao``).

These docstrings are the contract. Every hook is a *registration* hook: it returns plain
objects (sections, checks, exporters, formats) that the host then calls one at a time,
each call guarded, so one failing plugin never stops another.

Rules for implementations:

* Implement a hook as a module-level function (or method) decorated with
  ``@nianbao.hookimpl`` (the same as ``plugins.hookimpl``) and named exactly as below; a misspelt name disables the plugin
  with a message.
* Accept only the arguments you need, without default values (pluggy passes arguments by
  name and does not pass arguments that have defaults).
* Return a list (or ``None``). Never raise: a hook that raises disables its plugin and the
  message is shown by ``nianbao plugins``.
* Never import Textual or any front end: everything a plugin does also runs headless.

Arguments:

``config``  the site configuration (:class:`plugins.engine.config.Config`), read-only; a
            plugin's own settings are ``config.plugin_settings("<plugin name>")``
            (config.toml's ``[plugins.<name>]``, whose keys the plugin checks itself).
``env``     the :class:`jinja2.Environment` that renders every template.

What the registered objects receive: sections' ``validate``/``context``, checks' ``run`` and
computed fields get the read-only :class:`plugins.engine.report.ReportView`, whose ``previous`` is
last year's report of the same unit (or ``None``; see :mod:`plugins.engine.history`) for cross-year
rules; ``Section.carry_forward(previous)`` says what ``nianbao new --from`` copies from it.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("nianbao")


class NianbaoSpecs:
    @hookspec
    def nianbao_register_formats(self, config):
        """Return the report formats (:class:`nianbao.ReportFormat`) this plugin defines.

        A format names the years it is for and the template of the whole document (front
        matter, the sections in order, signature). The built-in ``fujian-2018`` format is
        registered this way by ``sections.fujian2018``. Format ids are unique: when two
        plugins define the same id, the one loaded first (built-ins load before packages and
        folders) is kept, the other's is not used, and the conflict is reported by
        ``nianbao plugins`` and on every command. Keeping the first keeps every report of
        that format working (refusing both would leave them unable to be checked or
        exported); a county changes a format's document by overriding its template.
        """

    @hookspec
    def nianbao_register_sections(self, config):
        """Return the report sections (:class:`nianbao.Section` instances) this plugin supplies.

        Each section declares its id, heading, formats, fields and template, and validates
        its own data. Section ids are unique: a section that wants to take the place of
        another one says so with ``replaces = "<id>"``; two sections claiming the same id
        (or replacing the same one) are both refused and reported, never settled silently.
        Order in the report comes from ``config.toml`` ``[sections] order``, then each
        section's ``number``, then its id; never from the order plugins were loaded.
        """

    @hookspec
    def nianbao_register_checks(self, config):
        """Return extra rules (:class:`nianbao.Check`) for sections owned by others.

        This is how a county adds its own rules to a built-in section without replacing it:
        ``Check(id="jo-website-share", section="fj.proactive", run=func)``, where
        ``func(report)`` receives the read-only report view and returns
        :class:`nianbao.Issue` objects. Use ``section="report"`` for the metadata.
        """

    @hookspec
    def nianbao_register_exporters(self, config):
        """Return output formats (:class:`nianbao.Exporter`): ``nianbao export --to ID``.

        An exporter receives the rendered document (blocks, see :mod:`plugins.document`)
        and returns ``str`` or ``bytes``; it never re-renders templates, so a county's
        template override reaches every exporter. Ids are unique: as with formats, the
        exporter loaded first keeps its id, a later one with the same id is not used, and the
        conflict is reported.
        """

    @hookspec
    def nianbao_prepare_jinja2_environment(self, env, config):
        """Add filters, tests or globals to the template environment (return nothing).

        Called once when the renderer is built, after the host's own filters are in place.
        Do not replace the loader or ``finalize``: they namespace templates and escape what
        operators typed.
        """
