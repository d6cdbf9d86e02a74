#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    from opencpts import devmode

    # After `make run`, the README's commands work in a plain shell: see opencpts/devmode.py for the rule.
    devmode.apply(Path(__file__).resolve().parent, sys.stderr)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
