"""French first, English second: every interface string has a shipped French translation."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def _msgids(po_path):
    text = po_path.read_text(encoding="utf-8")
    entries = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, flags=re.M)
    result = {}
    for raw_id, raw_str in entries:
        msgid = "".join(re.findall(r'"(.*)"', raw_id))
        if msgid:
            result[msgid] = "".join(re.findall(r'"(.*)"', raw_str))
    return result


def test_every_french_message_is_translated_and_compiled():
    entries = _msgids(LOCALE / "fr/LC_MESSAGES/django.po")
    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    with (LOCALE / "fr/LC_MESSAGES/django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    untranslated = [msgid for msgid in entries
                    if "\\" not in msgid and catalog.gettext(msgid) == msgid
                    and entries[msgid] != msgid]
    assert untranslated == [], "run `make messages` to recompile the catalog"


def test_api_speaks_french_by_default_and_english_on_request(client_for, db):
    assert client_for().get("/api/v1/evidence/").json()["error"]["message"] == \
        "Informations d'authentification non fournies."
    assert client_for(language="en").get("/api/v1/evidence/").json()["error"]["message"] == \
        "Authentication credentials were not provided."


def test_landing_page_in_both_languages(client, db):
    assert "Préparation d'audit" in client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Audit preparation" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
