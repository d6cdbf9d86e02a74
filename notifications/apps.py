import importlib
import logging

from django.apps import AppConfig, apps

logger = logging.getLogger(__name__)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (application et e-mail)"

    def ready(self):
        from coordination.events import group_event
        from notifications import subscribers

        group_event.connect(subscribers.on_group_event, dispatch_uid="notifications.group_event")
        if apps.is_installed("news"):  # optional: the news feed
            try:
                news_events = importlib.import_module("news.events")
            except ImportError:
                logger.warning("notifications: news.events cannot be imported; news is not notified")
            else:
                news_events.news_event.connect(
                    subscribers.on_news_event, dispatch_uid="notifications.news_event"
                )
