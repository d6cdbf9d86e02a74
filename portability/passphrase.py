"""The passphrase of an archive, for the commands: from an environment variable named by the operator, else
the first line of standard input (a pipe), else typed twice at the terminal."""

import getpass
import os
import sys

from django.core.management.base import CommandError


def create_private(path, mode: str = "wb"):
    """A new file only its owner reads (the archive, the audit history); fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def read_passphrase(env_name: str | None, *, confirm: bool) -> str:
    if env_name:
        value = os.environ.get(env_name, "")
        if not value:
            raise CommandError(f"La variable d'environnement {env_name} est vide ou absente.")
        return value
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Phrase de passe de l'archive : ")
    if confirm and getpass.getpass("La même, encore une fois : ") != first:
        raise CommandError("Les deux phrases de passe diffèrent.")
    return first
