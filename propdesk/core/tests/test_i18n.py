"""zh-Hans is the first language (STYLE §7): the catalogue is complete, compiled, and in step
with the source (a fresh makemessages finds no msgid the catalogue lacks)."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(text: str) -> list[dict[str, str]]:
    """A small .po reader: msgid, msgstr (first form), flags; enough for the checks below."""
    entries, cur, key = [], {"flags": "", "msgid": "", "msgstr": ""}, ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if cur["msgid"] or cur["msgstr"]:
                entries.append(cur)
            cur, key = {"flags": "", "msgid": "", "msgstr": ""}, ""
        elif line.startswith("#,"):
            cur["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ", "msgid_plural ", "msgctxt ")):
            word, _, rest = line.partition(" ")
            key = {"msgstr[0]": "msgstr"}.get(word, word)
            cur[key] = cur.get(key, "") + rest.strip()[1:-1]
        elif line.startswith('"') and key:
            cur[key] = cur.get(key, "") + line.strip()[1:-1]
    return entries


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    entries = [e for e in _entries(PO.read_text(encoding="utf-8")) if e["msgid"]]
    assert len(entries) > 100
    assert [e["msgid"] for e in entries if not e["msgstr"]] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []


def test_compiled_catalogue_matches_the_po() -> None:
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in _entries(PO.read_text(encoding="utf-8")):
        if entry["msgid"] and "msgid_plural" not in entry and "msgctxt" not in entry:
            msgid = entry["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()
            msgstr = entry["msgstr"].encode().decode("unicode_escape").encode("latin-1").decode()
            assert compiled.gettext(msgid) == msgstr, msgid


def test_makemessages_leaves_no_new_msgid(tmp_path: Path) -> None:
    # given a copy of the source tree, when makemessages runs there
    copy = tmp_path / "propdesk"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
            "--ignore=tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "PYTHONPATH": str(tmp_path),
            "PROPDESK_VAR_DIR": str(tmp_path / "var"),
        },
    )
    fresh = {
        e["msgid"]
        for e in _entries(
            (copy / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
        )
    }
    committed = {e["msgid"] for e in _entries(PO.read_text(encoding="utf-8"))}
    # then every msgid in the source is in the committed catalogue
    assert sorted(fresh - committed) == []


def test_default_language_is_chinese_and_english_is_available(client: Client, db: None) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    with translation.override("en"):
        assert str(translation.gettext("Log in")) == "Log in"
    response = client.get("/login/", headers={"accept-language": "en"})
    assert response.headers["Content-Language"] == "en"
