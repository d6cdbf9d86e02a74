"""The demo of `make run` (``seed_demo``): CPTS Bugey Sud on its real communes, synthetic people, one account
per role, and the data of every app, entered through each app's own rules (actions). This app depends on all
the others and no production app imports it (demo/tests/test_dependencies.py), like Zulip's ``zilencer``
(populate_db) or Saleor's ``populatedb``.

Layout: ``seed.py`` runs the whole demo (``seed``); ``accounts.py`` holds the demo accounts, their password
and TOTP keys; ``cpts.py`` the directory extract and the CPTS part; ``<app>.py`` the data of that app
(coordination, documents, agenda, news, unscheduled, gpmatching, aci). Commands: ``seed_demo``, ``demo_totp``.
"""
