#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Commands run from a checkout with nothing set; without SECRET_KEY they get a key marked
    # for development only. The web server and the workers start elsewhere and still refuse.
    os.environ.setdefault("DEV_SECRET_KEY_ALLOWED", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
