"""E-mail backends for the tests: a relay that refuses everything, and a slow one (to overlap two senders)."""

import smtplib
import threading
import time

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("relay unreachable")


class SlowBackend(LocmemBackend):
    """Stores like locmem, after a pause: two senders running at once really overlap."""

    lock = threading.Lock()

    def send_messages(self, messages):
        time.sleep(0.2)
        with self.lock:
            return super().send_messages(messages)
