"""Every user-facing string has an English translation with the same placeholders."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_messages(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                    "-o", str(pot), "."],
                   check=True, cwd=ROOT, capture_output=True)
    with open(pot, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def catalog(lang):
    with open(ROOT / "keren" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_every_extracted_string_has_an_english_translation(tmp_path):
    messages = extracted_messages(tmp_path)
    assert len(messages) > 50  # the extraction really ran over the code and templates
    english = {m.id: m for m in catalog("en") if m.id}
    missing = sorted(str(m) for m in messages if m not in english or english[m].fuzzy
                     or not all(english[m].string if isinstance(english[m].string, tuple)
                                else [english[m].string]))
    assert not missing, "untranslated (run `make translations-update` and fill en.po):\n" + \
        "\n".join(missing)


def test_english_translations_keep_their_placeholders():
    for message in catalog("en"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == expected, ids[0]


def test_indonesian_catalog_exists_because_indonesian_is_the_source_language():
    ids = {m.id for m in catalog("id") if m.id}
    assert "Beranda" in ids
