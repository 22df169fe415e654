"""`propdesk rotate-pii-key`: re-encrypt personal data under the current key.

Rotation (docs/personal-data.md):
1. put a new key first in PROPDESK_PII_KEYS, keep the old one after it, restart the server;
2. run `propdesk rotate-pii-key` (prints the rows re-encrypted; safe to repeat);
3. `propdesk rotate-pii-key --check` prints 0 stale rows: drop the old key, restart.

`--generate` prints a new random key and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from propdesk.core import crypto
from propdesk.core.services import pii


class Command(BaseCommand):
    help = "Re-encrypt ID-card numbers under the first key of PROPDESK_PII_KEYS and rehash them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate", action="store_true", help="print a new key and exit (changes nothing)"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only count rows still under an older key; exit status 1 if there are any",
        )
        parser.add_argument("--batch-size", type=int, default=pii.BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"]:
            self.stdout.write(crypto.generate_key())
            return
        if crypto.encryption_key_is_derived():
            self.stderr.write(
                "PROPDESK_PII_KEYS is not set: the key is derived from the SECRET_KEY."
            )
        if options["check"]:
            stale = pii.stale_rows()
            self.stdout.write(f"stale rows: {stale}")
            if stale:
                raise CommandError("rows are still encrypted under an older key", returncode=1)
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            result = pii.rotate_pii_key(batch_size=options["batch_size"])
        except crypto.UndecryptableValue as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"re-encrypted rows: {result.rows} (under an older key before: {result.were_stale})"
        )
