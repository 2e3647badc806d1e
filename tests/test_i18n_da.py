"""The Danish translation covers every term of the add-on's .pot."""

import ast
import re
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parent.parent / "sop_planning" / "i18n"
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[-+ #0]*[0-9]*(?:\.[0-9]+)?[sdfr%]|<[^>]+>")
# Business terms and the Danish words the translation must use for them.
TERMS = {
    "Forecast": "Prognose",
    "Reorder Point": "Genbestillingspunkt",
    "Safety Stock": "Sikkerhedslager",
    "Lead Time (days)": "Leveringstid (dage)",
    "Reordering Rule": "Genbestillingsregel",
    "S&OP": "S&OP",
}


def parse_po(path):
    """Return {msgid: (msgstr, fuzzy)} of the active entries of a .po file."""
    entries, entry, field, fuzzy = {}, {}, None, False

    def flush():
        if "msgid" in entry and entry["msgid"]:
            entries[entry["msgid"]] = (entry.get("msgstr", ""), fuzzy)

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            if field == "msgstr":
                flush()
                entry, field, fuzzy = {}, None, False
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "msgstr"):
            if keyword == "msgid" and field == "msgstr":
                flush()
                entry, fuzzy = {}, False
            field = keyword
            entry[field] = ast.literal_eval(rest)
        else:
            entry[field] += ast.literal_eval(line)
    flush()
    return entries


@pytest.fixture(scope="module")
def pot():
    return parse_po(I18N / "sop_planning.pot")


@pytest.fixture(scope="module")
def danish():
    return parse_po(I18N / "da.po")


def test_pot_lists_the_module_terms(pot):
    assert len(pot) > 300
    assert "Reorder Proposals" in pot
    assert all(not msgstr for msgstr, _fuzzy in pot.values())


def test_every_term_is_translated(pot, danish):
    missing = sorted(m for m in pot if not danish.get(m, ("", False))[0])
    fuzzy = sorted(m for m in pot if danish.get(m, ("", False))[1])
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert set(danish) == set(pot), "da.po has terms the .pot no longer has"


@pytest.mark.parametrize("name", ["sop_planning.pot", "da.po"])
def test_every_entry_names_its_module(name):
    """Odoo reads a .po entry by its ``#. module:`` comment: one entry
    without it and every Python message of the add-on stays in English."""
    text = (I18N / name).read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if re.search(r"^msgid ", b, re.M)]
    unnamed = [
        block
        for block in blocks[1:]  # the header
        if not re.search(r"^#\. modules?: \w+", block, re.M)
    ]
    assert not unnamed, unnamed[:2]


def test_placeholders_and_html_survive(danish):
    wrong = [
        (msgid, msgstr)
        for msgid, (msgstr, _fuzzy) in danish.items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert not wrong, wrong[:5]


def test_business_terms(danish):
    assert {term: danish[term][0] for term in TERMS} == TERMS
    rop = danish[
        "Reorder point = forecast over the lead time %(ltd)s"
        " + safety stock %(ss)s (service level %(level)s %%)."
    ][0]
    assert "sikkerhedslager" in rop and "leveringstiden" in rop


def test_parser_reads_multiline_and_fuzzy(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: da\\n"\n\n'
        '#, fuzzy\nmsgid "A"\nmsgstr "B"\n\n'
        'msgid ""\n"two\\n"\n"lines"\nmsgstr ""\n"to\\n"\n"linjer"\n',
        encoding="utf-8",
    )
    assert parse_po(po) == {"A": ("B", True), "two\nlines": ("to\nlinjer", False)}


def test_dashboard_addon_is_translated():
    i18n = I18N.parent.parent / "sop_planning_dashboard" / "i18n"
    pot = parse_po(i18n / "sop_planning_dashboard.pot")
    danish = parse_po(i18n / "da.po")
    assert "Fill rate (%)" in pot and "Supply Chain" in pot
    assert set(danish) == set(pot)
    assert all(msgstr and not fuzzy for msgstr, fuzzy in danish.values())
    assert danish["Supply Chain"][0] == "Forsyningskæde"
