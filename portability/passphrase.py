"""The passphrase of an archive, for the commands: from an environment variable named by the operator, else
the first line of standard input (a pipe), else typed twice at the terminal."""

import getpass
import os
import sys

from django.core.management.base import CommandError


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
