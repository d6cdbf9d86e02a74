from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (application et e-mail)"

    def ready(self):
        """Listen to the domain events this app turns into notifications (notifications → coordination, news:
        the emitting apps know nothing of their listeners)."""
        from coordination.events import group_event
        from news.events import news_event
        from notifications import subscribers

        group_event.connect(subscribers.on_group_event, dispatch_uid="notifications.group_event")
        news_event.connect(subscribers.on_news_event, dispatch_uid="notifications.news_event")
