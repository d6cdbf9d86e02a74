from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = "Coordination (patients, cercles de soins, groupes de travail)"

    def ready(self):
        from coordination import selectors
        from cpts import navigation

        navigation.register_counts(selectors.navigation_counts)
