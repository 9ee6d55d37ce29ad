"""The sellers.json benchmark at small scale: the generated file is a valid sellers.json that both readers
count alike, and the runner's children report their peak memory from the operating system. No timing or
memory ratio is asserted (a busy machine must not fail the tests)."""

import json

from bench import sellers_json_stream as bench
from spiders.parsers.sellers_json import file_chunks, read_sellers_json


def test_generated_file_is_a_sellers_json_both_readers_agree_on(tmp_path):
    path = tmp_path / "sellers.json"
    bench.write_sellers_json(path, 500)
    document = json.loads(path.read_text(encoding="utf-8"))
    records = list(read_sellers_json(file_chunks(path, 4096)))
    sellers, facts = records[:-1], records[-1]
    assert len(document["sellers"]) == len(sellers) == facts["sellers_count"] == 500
    assert facts["status"] == "ok" and facts["version"] == "1.0"
    assert [s["seller_id"] for s in sellers[:3]] == ["pub-0000000000000000", "100001", "100002"]
    assert {s["seller_type"] for s in sellers} == {"PUBLISHER", "INTERMEDIARY", "BOTH"}
    assert sellers[50]["domain"] == "site50.example.com" and "domain_scheme" in sellers[50]["problems"]


def test_runner_measures_both_children(tmp_path):
    result = bench.run(3000, tmp_path)
    for variant in ("json_load", "streaming"):
        assert result[variant]["sellers"] == 3000 and result[variant]["peak_rss_mib"] > 0
    assert result["streaming"]["status"] == "ok"
    assert result["memory_share"] == round(result["streaming"]["peak_rss_mib"] / result["json_load"]["peak_rss_mib"], 3)
    assert "streaming peak memory / json.load's" in bench.report(result)
