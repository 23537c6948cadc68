"""The harvest pipeline: remote catalogs and partners' feeds into the catalog.

One module per source kind (``ckan``, ``dcat``, ``datajson``, ``spreadsheet``, ``croissant``,
``hfcard``, ``datapackage``), registered as ``catalog.harvesters`` entry points; the
pipeline (``pipeline``), the worker (``jobs``) and link checking (``linkcheck``). The rules
of loading live in ``catalog.services.harvest``. See docs/architecture.md, "Harvesting".
"""
