"""Signals of the projects app, for the apps above it that keep a project's dossiers.

``project_converted(sender=Project, project, cpts, by)`` is sent by ``projects.conversion.convert`` inside
its transaction, once the CPTS exists with its territory and members: a receiver carries what its app keeps
for the project into the new CPTS (the association's legal identifiers, the projet de santé...). A receiver
that raises ``ActionError`` refuses the whole conversion.
"""

from django.dispatch import Signal

project_converted = Signal()
