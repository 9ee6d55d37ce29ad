"""The one normaliser and the ISO country table, on real rows: the mathematical-bold name in a v19 Meta page
and the Cyrillic look-alike letters in Meta's Belgian report match their plain forms."""

import csv
import json
from pathlib import Path

import pytest

from analysis import countries
from analysis.normalise import fold, normalise, same_name, skeleton

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"
needs_realdata = pytest.mark.skipif(not META.exists(), reason="needs ../shared/realdata")


def test_fold_handles_compatibility_forms_and_case():
    assert fold("𝗪𝗶𝗹𝗹 𝗙𝗼𝗿𝘀𝘁𝗲𝗿") == "will forster"
    assert fold("Ｆｕｌｌ\u200bwidth  Straße") == "fullwidth strasse"
    assert fold(None) is None


def test_skeleton_maps_look_alikes_but_keeps_accents():
    assert skeleton("Dаmiеn") == "damien"  # Cyrillic а and е
    assert skeleton("ΒΕΡΟ") == "bepo"  # Greek capitals
    assert skeleton("Lòria") != skeleton("Loria")
    assert not same_name("Will Forster", "Will Foster")


def test_original_is_kept():
    text = normalise("Мaх Guitar")
    assert (text.original, text.folded, text.skeleton) == ("Мaх Guitar", "мaх guitar", "max guitar")
    assert text.has_look_alikes
    assert not normalise("Max Guitar").has_look_alikes


@needs_realdata
def test_mathematical_bold_name_in_v19_page_matches_plain():
    page = json.loads(next(META.glob("guardian_ukelection_test_run_*_1.json")).read_text(encoding="utf-8"))
    bodies = [body for ad in page["data"] for body in ad.get("ad_creative_bodies", [])]
    bold = next(body for body in bodies if "𝗪𝗶𝗹𝗹 𝗙𝗼𝗿𝘀𝘁𝗲𝗿" in body)
    assert "will forster" not in bold.lower()  # the raw text does not contain the plain name
    assert "will forster" in fold(bold)
    assert "will forster" in skeleton(bold)
    assert "Will Forster" in json.dumps(page, ensure_ascii=False)  # the plain form is in the same page


@needs_realdata
def test_cyrillic_look_alikes_in_belgian_report_match_plain():
    path = META / "FacebookAdLibraryReport_2025-07-12_BE_last_30_days_advertisers.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        names = [row["Page name"] for row in csv.DictReader(handle)]
    assert "Dаmiеn Lеmoine" in names and "Damien Lemoine" not in names
    assert same_name("Dаmiеn Lеmoine", "Damien Lemoine")
    assert same_name("Сһісᴋеn Rοаԁ Slots", "Chicken Road Slots")
    assert same_name("Мaх Guitar", "Max Guitar")
    look_alikes = [name for name in names if normalise(name).has_look_alikes and skeleton(name).isascii()]
    assert {"Dаmiеn Lеmoine", "Сһісᴋеn Rοаԁ Slots", "Мaх Guitar"} <= set(look_alikes)


def test_every_iso_country_is_in_the_table():
    table = countries.countries()
    assert len([c for c in table if c.iso]) == 249
    assert len({c.alpha_2 for c in table}) == len(table) == len({c.alpha_3 for c in table})


@pytest.mark.parametrize("written, code", [
    ("united states", "US"),  # Snap
    ("france", "FR"),
    ("US", "US"), ("usa", "US"), ("GBR", "GB"), ("826", "GB"),  # Google codes, alpha-3, numeric
    ("Vietnam", "VN"), ("Türkiye", "TR"), ("Congo - Kinshasa", "CD"), ("Korea, Republic of", "KR"),
    ("South Korea", "KR"), ("Republic of Korea", "KR"), ("The Netherlands", "NL"), ("Kosovo", "XK"),
    ("Bolivia", "BO"), ("Côte d'Ivoire", "CI"),
])
def test_country_names_as_platforms_write_them(written, code):
    assert countries.country_code(written) == code


def test_unknown_country_is_none():
    assert countries.country_code("EU") is None
    assert countries.country_code("Atlantis") is None
    assert countries.country_code("") is None


@pytest.mark.parametrize("country, name, code", [
    ("BE", "Wallonia", "BE-WAL"), ("BE", "Flemish Region", "BE-VLG"), ("BE", "Brussels", "BE-BRU"),
    ("AD", "Sant Julià de Lòria", "AD-06"), ("united states", "California", "US-CA"), ("BE", "BE-WAL", "BE-WAL"),
])
def test_regions(country, name, code):
    assert countries.region_code(country, name) == code


def test_unknown_region_is_none():
    assert countries.region_code("BE", "Unknown") is None
