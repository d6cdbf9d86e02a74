from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents des groupes de coordination (chiffrés au repos)"

    def ready(self):
        from coordination import retention
        from documents import checks  # noqa: F401 - registers the system checks
        from documents.purge import purge_group

        # A purged care circle takes its documents with it (documents → coordination, never the reverse).
        retention.register_purge("documents", purge_group)
