"""The demo's mark (warehouse.demo_marker): written in the warehouse file, carried by its published copies,
independent of where the file lives."""

from __future__ import annotations

from tests.test_app_seed import seed_warehouse
from warehouse import db, demo_marker, publish


def test_a_new_warehouse_is_not_the_demo_s(tmp_path):
    con = db.connect(tmp_path / "data" / "demo" / "adtrail.duckdb")  # the folder's name means nothing
    try:
        assert demo_marker.labels(con) == {}
        assert not demo_marker.is_demo(con)
    finally:
        con.close()


def test_marking_twice_keeps_one_mark(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    try:
        demo_marker.mark_demo(con)
        demo_marker.mark_demo(con)
        assert demo_marker.labels(con) == {"demo": "true"}
        assert demo_marker.is_demo(con)
        assert con.execute("SELECT count(*) FROM warehouse_label").fetchall() == [(1,)]
    finally:
        con.close()


def test_published_copies_carry_the_mark(tmp_path):
    marked = seed_warehouse(tmp_path / "marked", demo=True, folder="anywhere")
    unmarked = seed_warehouse(tmp_path / "unmarked", folder="data/demo")
    for db_path, expected in ((marked, True), (unmarked, False)):
        reader = publish.open_published(db_path)
        try:
            assert demo_marker.is_demo(reader) is expected, db_path
        finally:
            reader.close()
