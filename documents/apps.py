from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents des groupes de coordination (chiffrés au repos)"

    def ready(self):
        from documents import (
            checks,  # noqa: F401 - registers the system checks
            purge,  # noqa: F401 - connects to coordination.retention.circle_purging
            store,  # noqa: F401 - deletes a blob's object after the commit that deleted its row
        )
