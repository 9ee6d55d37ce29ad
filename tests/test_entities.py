"""Advertisers across platforms: identifiers merge, names stay candidates, roles stay apart, overrides win."""

from __future__ import annotations

import pytest

import cli
from analysis.entities import OverrideError, import_overrides, resolve
from tests import core_seed
from warehouse import db, entities as store


def seed(con, sid):
    # Organisation 1: one EIN (Google's Public_IDs_List, TikTok, Snap) and one domain (TikTok, Meta).
    core_seed.google_advertiser(con, sid, "AR111", "FRIENDS OF SUZY", "EIN ID 46-3931666, FEC ID C00495861")
    core_seed.ad(con, sid, "google", "g1", advertiser_id="AR111", advertiser_name="FRIENDS OF SUZY")
    core_seed.ad(con, sid, "tiktok", "t1", advertiser_id="7001", advertiser_name="Friends of Suzy",
                 platform_fields={"registration_number": "EIN 46-3931666", "verified_domain": "suzy.example"})
    core_seed.ad(con, sid, "meta", "m1", advertiser_id="1001", advertiser_name="Friends of Suzy",
                 platform_fields={"verified_domain": "https://www.Suzy.example/"}, payers=[("Suzy Donor Fund", None)])
    core_seed.ad(con, sid, "snap", "s1", advertiser_name="Friends of Suzy LLC",
                 platform_fields={"registration_number": "EIN:463931666"})
    # Organisation 2: a CNPJ written three ways, and a domain.
    core_seed.google_advertiser(con, sid, "AR222", "PARTIDO EXEMPLO", "CNPJ ID 12.345.678/0001-90")
    core_seed.ad(con, sid, "meta", "m2", advertiser_id="2002", advertiser_name="Partido Exemplo",
                 platform_fields={"registration_number": "CNPJ 12345678000190"})
    core_seed.ad(con, sid, "tiktok", "t2", advertiser_id="7002", advertiser_name="Partido Exemplo Oficial",
                 platform_fields={"registration_number": "CNPJ:12.345.678/0001-90",
                                  "verified_domain": "partido.example.br"})
    core_seed.ad(con, sid, "snap", "s2", advertiser_name="PE Brasil",
                 platform_fields={"verified_domain": "partido.example.br"})
    # Near names: never merged.
    core_seed.ad(con, sid, "meta", "m3", advertiser_id="3003", advertiser_name="Jatiya Party",
                 payers=[("Jatiya Party", None)])
    core_seed.ad(con, sid, "meta", "m4", advertiser_id="3004", advertiser_name="Jatiya Party (Ershad)")
    core_seed.ad(con, sid, "meta", "m5", advertiser_id="4005", advertiser_name="Vlaams Bеlang")  # Cyrillic е
    core_seed.ad(con, sid, "google", "g5", advertiser_id="AR555", advertiser_name="Vlaams Belang")


@pytest.fixture
def seeded(tmp_path):
    con, sid = core_seed.warehouse(tmp_path / "adtrail.duckdb")
    seed(con, sid)
    core_seed.complete(con, sid)
    yield con, sid, tmp_path / "adtrail.duckdb"
    con.close()


def entity_of(con, sid, key):
    rows = con.execute("SELECT DISTINCT entity_id FROM entity_identifier WHERE snapshot_id = ? AND identifier_key = ?",
                       [sid, key]).fetchall()
    assert len(rows) == 1, key
    return rows[0][0]


def candidate(con, name_a, name_b):
    return con.execute("SELECT candidate_id, status, confidence, reason FROM entity_candidate "
                       "WHERE (name_a = ? AND name_b = ?) OR (name_a = ? AND name_b = ?)",
                       [name_a, name_b, name_b, name_a]).fetchone()


def test_two_organisations_across_four_platforms_merge_by_identifier(seeded):
    con, sid, _ = seeded
    resolve(con, sid)
    suzy = {entity_of(con, sid, key) for key in ("google_advertiser_id:AR111", "tiktok_business_id:7001",
                                                  "meta_page_id:1001", "snap_organisation:friends of suzy llc",
                                                  "registration_number:EIN:463931666",
                                                  "verified_domain:suzy.example")}
    partido = {entity_of(con, sid, key) for key in ("google_advertiser_id:AR222", "meta_page_id:2002",
                                                     "tiktok_business_id:7002", "snap_organisation:pe brasil",
                                                     "registration_number:CNPJ:12345678000190")}
    assert len(suzy) == 1 and len(partido) == 1 and suzy != partido
    platforms = con.execute("SELECT platforms FROM entity WHERE snapshot_id = ? AND entity_id = ?",
                            [sid, suzy.pop()]).fetchone()[0]
    assert platforms == ["google", "meta", "snap", "tiktok"]
    # the FEC id came from the same Google row, so it joined too
    assert entity_of(con, sid, "registration_number:FEC:C00495861") == entity_of(con, sid, "meta_page_id:1001")


def test_payer_stays_a_separate_role(seeded):
    con, sid, _ = seeded
    resolve(con, sid)
    assert entity_of(con, sid, "paid_for_by:meta:payer:suzy donor fund") != entity_of(con, sid, "meta_page_id:1001")
    assert entity_of(con, sid, "paid_for_by:meta:payer:jatiya party") != entity_of(con, sid, "meta_page_id:3003")


def test_near_names_are_candidates_not_merged(seeded):
    con, sid, _ = seeded
    resolve(con, sid)
    assert entity_of(con, sid, "meta_page_id:3003") != entity_of(con, sid, "meta_page_id:3004")
    assert entity_of(con, sid, "meta_page_id:4005") != entity_of(con, sid, "google_advertiser_id:AR555")
    _, status, confidence, reason = candidate(con, "Jatiya Party", "Jatiya Party (Ershad)")
    assert status == "candidate" and 0.4 < confidence < 0.9 and "extends" in reason
    _, status, confidence, reason = candidate(con, "Vlaams Bеlang", "Vlaams Belang")
    assert (status, confidence) == ("candidate", 0.85) and "look-alike" in reason
    # names of one entity are not proposed to each other
    assert candidate(con, "Friends of Suzy", "Friends of Suzy LLC") is None


def test_confirmed_candidate_merges_and_rejected_is_kept_apart(seeded):
    con, sid, _ = seeded
    resolve(con, sid)
    jatiya, _, _, _ = candidate(con, "Jatiya Party", "Jatiya Party (Ershad)")
    vlaams, _, _, _ = candidate(con, "Vlaams Bеlang", "Vlaams Belang")
    assert store.decide_candidate(con, jatiya, "confirmed", "review")
    assert store.decide_candidate(con, vlaams, "rejected", "review")
    resolve(con, sid)  # a second run keeps the decisions
    assert entity_of(con, sid, "meta_page_id:3003") == entity_of(con, sid, "meta_page_id:3004")
    assert entity_of(con, sid, "meta_page_id:4005") != entity_of(con, sid, "google_advertiser_id:AR555")
    assert candidate(con, "Vlaams Bеlang", "Vlaams Belang")[1] == "rejected"
    joined = con.execute("SELECT joined_by FROM entity_identifier WHERE snapshot_id = ? AND "
                         "identifier_key = 'meta_page_id:3004'", [sid]).fetchone()[0]
    assert joined == "confirmed_candidate"


def test_override_csv_merges_and_splits(seeded, tmp_path):
    con, sid, _ = seeded
    overrides = tmp_path / "entity_overrides.csv"
    overrides.write_text(
        "action,identifier_a,identifier_b,note\n"
        "split,verified_domain:suzy.example,,the domain was shared by mistake\n"
        "merge,meta_page_id:3003,paid_for_by:meta:payer:jatiya party,the party pays for its own page\n"
        "reject,meta_page_id:3003,meta_page_id:3004,two factions\n", encoding="utf-8")
    assert import_overrides(con, overrides) == 3
    assert import_overrides(con, overrides) == 0  # the same file again changes nothing
    resolve(con, sid)
    # the page joined organisation 1 only through the domain: split out; TikTok stays by the EIN
    assert entity_of(con, sid, "meta_page_id:1001") != entity_of(con, sid, "tiktok_business_id:7001")
    assert entity_of(con, sid, "tiktok_business_id:7001") == entity_of(con, sid, "google_advertiser_id:AR111")
    assert entity_of(con, sid, "meta_page_id:3003") == entity_of(con, sid, "paid_for_by:meta:payer:jatiya party")
    assert entity_of(con, sid, "meta_page_id:3003") != entity_of(con, sid, "meta_page_id:3004")
    assert candidate(con, "Jatiya Party", "Jatiya Party (Ershad)")[1] == "rejected"


@pytest.mark.parametrize("text, message", [
    ("who,what\n", "header must be action,identifier_a,identifier_b"),
    ("action,identifier_a,identifier_b\nunite,meta_page_id:1,meta_page_id:2\n", "data row 1: action 'unite'"),
    ("action,identifier_a,identifier_b\nmerge,page 1,meta_page_id:2\n", "'page 1' is not an identifier"),
    ("action,identifier_a,identifier_b\nmerge,meta_page_id:1,\n", "merge needs identifier_a and identifier_b"),
])
def test_bad_override_files_are_refused_whole(seeded, tmp_path, text, message):
    con, _, _ = seeded
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OverrideError, match=message):
        import_overrides(con, path)
    assert con.execute("SELECT count(*) FROM entity_override").fetchone()[0] == 0


def test_review_command_lists_and_records_decisions(seeded, capsys):
    con, sid, db_path = seeded
    con.close()
    assert cli.main(["entities", "review", "--db", str(db_path)]) == 0
    listed = capsys.readouterr().out
    assert "meta_page_id:3003\tmeta_page_id:3004" in listed and "look-alike" in listed
    con = db.connect(db_path)
    jatiya = candidate(con, "Jatiya Party", "Jatiya Party (Ershad)")[0]
    con.close()
    assert cli.main(["entities", "review", "--db", str(db_path), "--confirm", str(jatiya)]) == 0
    assert "meta_page_id:3003\tmeta_page_id:3004" not in capsys.readouterr().out
    assert cli.main(["entities", "review", "--db", str(db_path), "--reject", "9999"]) == 2
    assert "no entity candidate 9999" in capsys.readouterr().err
    con = db.connect(db_path)
    assert entity_of(con, sid, "meta_page_id:3003") == entity_of(con, sid, "meta_page_id:3004")
    con.close()
