"""The `propdesk` console script: Django's management commands plus PropDesk's own
(serve, worker, demo, token, sweep, createuser …). `propdesk help` lists them all."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "propdesk"
    # `propdesk worker` is huey's consumer under the name the README uses.
    if len(argv) > 1 and argv[1] == "worker":
        argv[1] = "run_huey"
    # Commands are spelt with hyphens on the command line (`propdesk rotate-pii-key`).
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
