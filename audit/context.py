"""Who is acting, set once per request (middleware) or per command, read by the audit writer."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    label: str = "système"
    ip: str | None = None
    request_id: str = ""


SYSTEM = Actor()
_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)  # noqa: B039 - frozen


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor):
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def set_actor(actor: Actor):
    return _current.set(actor)


def reset_actor(token) -> None:
    _current.reset(token)
