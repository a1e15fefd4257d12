"""The product speaks zh-Hans completely: every marked string has a translation.

The check re-extracts the messages from a copy of the source tree (so it sees
strings added since the .po was last made) and compares them with the
committed catalogues. An app may keep its own catalogue in ``<app>/locale``
(makemessages puts an app's strings in the nearest locale directory), which
keeps the apps' translations apart; the project catalogue holds the rest.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "gongzhi" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CATALOGUE = Path("zh_Hans") / "LC_MESSAGES" / "django.po"


def catalogues(root):
    """{path relative to root: parsed entries} of every zh-Hans catalogue under root."""
    return {
        path.relative_to(root): parse_po(path)
        for path in sorted(root.rglob("locale/zh_Hans/LC_MESSAGES/django.po"))
    }


def parse_po(path):
    """{msgid: (msgstr, fuzzy)} of a .po file (plural forms keyed by msgid)."""
    entries, text = {}, path.read_text(encoding="utf-8")
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not lines:
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields, current = {}, None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            key = (fields.get("msgctxt"), fields["msgid"])
            entries[key] = (msgstr, fuzzy)
    return entries


def _unquote(quoted):
    return quoted[1:-1].encode("raw_unicode_escape").decode("unicode_escape")


def test_committed_catalogues_are_complete():
    found = catalogues(ROOT / "gongzhi")
    assert Path("locale") / CATALOGUE in found
    for path, entries in found.items():
        untranslated = [msgid for msgid, (msgstr, fuzzy) in entries.items() if not msgstr or fuzzy]
        assert not untranslated, f"untranslated or fuzzy in {path}: {untranslated}"


def test_catalogue_is_up_to_date_with_the_source(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "gongzhi", copy / "gongzhi", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    result = subprocess.run(
        [sys.executable, "../manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy / "gongzhi", capture_output=True, text=True, timeout=180,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:", "GONGZHI_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    fresh_all = catalogues(copy / "gongzhi")
    committed_all = catalogues(ROOT / "gongzhi")
    assert fresh_all.keys() == committed_all.keys()
    for path, fresh in fresh_all.items():
        committed = committed_all[path]
        new = sorted(str(k[1]) for k in fresh.keys() - committed.keys())
        assert not new, f"strings not in {path} (run makemessages and translate): {new}"
        untranslated = [k[1] for k, (msgstr, fuzzy) in fresh.items() if not msgstr or fuzzy]
        assert not untranslated, f"strings without a zh-Hans translation in {path}: {untranslated}"


# Django msgids we translate differently on purpose, and why that harms no Django message.
MEANT_OTHERWISE = {
    "Text": "the body of a notice (正文); Django uses 'Text' only as the TextField description in admindocs",
}


def test_no_catalogue_retranslates_djangos_own_messages():
    """Our catalogues come before Django's: a msgid of Django's translated differently here would
    change that message on every form of the product (it did: "This field is required.")."""
    import django

    django_po = Path(django.__file__).parent / "conf" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    djangos = {key: msgstr for key, (msgstr, _fuzzy) in parse_po(django_po).items() if msgstr}
    clashes = [
        f"{path}: {key[1]!r} is {msgstr!r} here, {djangos[key]!r} in Django"
        for path, entries in catalogues(ROOT / "gongzhi").items()
        for key, (msgstr, _fuzzy) in entries.items()
        if key in djangos and msgstr != djangos[key] and key[1] not in MEANT_OTHERWISE
    ]
    assert not clashes, "\n".join(clashes)
