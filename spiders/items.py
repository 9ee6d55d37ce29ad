"""Items the spiders write to the crawl folder: the one contract between spiders and the warehouse.

A crawl folder (one per source per crawl) holds:

- ``manifest.json``: what was asked (scope), what happened (status, counts of every problem, the saved
  cursor, the error for the user), and every file written with its sha256 and size. See
  ``spiders/manifest.py``.
- ``items.jsonl``: one JSON object per line, the fields below. A resumed crawl appends; the loader keeps
  one row per item key.
- ``warc/*.warc.gz``: every raw HTTP response, redacted, as WARC 1.1 records (warcio).
- ``state/``: the saved cursor; ``jobdir/`` and ``httpcache/``: Scrapy's own, never holding a secret.

Each item kind is a dict of plain JSON values. ``FIELDS[kind]`` lists its fields and DuckDB types, and
the warehouse's raw table for the kind has exactly these columns (a test holds them together).
Provenance fields come first in every kind.
"""

from __future__ import annotations

# Provenance of every item (DESIGN.md, "Sources"): where it came from, when, and the hash of the
# stored, redacted body so the item can be checked against the WARC archive.
PROVENANCE_FIELDS: dict[str, str] = {
    "item_kind": "VARCHAR",  # which kind of item this is, e.g. "meta_ad"
    "source": "VARCHAR",  # spider name, e.g. "meta_ads_archive"
    "crawl_id": "VARCHAR",  # the crawl folder's id; the loader maps it to a snapshot
    "source_url": "VARCHAR",  # URL of the response, secrets removed
    "fetched_at": "TIMESTAMPTZ",  # when the response arrived (ISO 8601, UTC)
    "body_sha256": "VARCHAR",  # sha256 of the stored (redacted) response body
    "page_number": "INTEGER",  # 1-based position of the page in the crawl
}

# Meta Graph API ads_archive, one ad (API v5 to v23 field names). Amount ranges come as
# {"lower_bound": "0", "upper_bound": "99"}; a missing upper bound is an open top bucket.
META_AD_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "meta"
    "api_version": "VARCHAR",  # from the request path, e.g. "v19.0"; NULL when unknown
    "ad_id": "VARCHAR",  # Meta's archive id; NULL in v5-era records
    "ad_key": "VARCHAR",  # ad_id, or "synthetic:<sha256 of fixed fields>" when there is no id
    "key_is_synthetic": "BOOLEAN",
    "ad_creation_time": "VARCHAR",  # as Meta wrote it: a date or a timestamp
    "ad_delivery_start_time": "VARCHAR",
    "ad_delivery_stop_time": "VARCHAR",
    "page_id": "VARCHAR",
    "page_name": "VARCHAR",
    "bylines": "VARCHAR",  # "paid for by" (current)
    "funding_entity": "VARCHAR",  # "paid for by" (legacy)
    "ad_creative_bodies": "VARCHAR[]",  # current list, or the legacy ad_creative_body as one element
    "ad_creative_link_captions": "VARCHAR[]",
    "ad_creative_link_descriptions": "VARCHAR[]",
    "ad_creative_link_titles": "VARCHAR[]",
    "ad_snapshot_url": "VARCHAR",  # access token removed
    "currency": "VARCHAR",  # ISO 4217 as given; NULL when the record has none (never guessed)
    "spend_lower": "BIGINT",  # in currency units
    "spend_upper": "BIGINT",  # NULL when the bucket is open at the top
    "spend_open_ended": "BOOLEAN",
    "impressions_lower": "BIGINT",
    "impressions_upper": "BIGINT",
    "impressions_open_ended": "BOOLEAN",
    "audience_size_lower": "BIGINT",  # estimated_audience_size, or legacy potential_reach
    "audience_size_upper": "BIGINT",
    "audience_size_open_ended": "BOOLEAN",
    "audience_size_field": "VARCHAR",  # "estimated_audience_size" or "potential_reach"
    "eu_total_reach": "BIGINT",
    "languages": "VARCHAR[]",
    "publisher_platforms": "VARCHAR[]",
    "target_ages": "VARCHAR[]",
    "target_gender": "VARCHAR",
    "target_locations": "JSON",  # [{"name", "type", "excluded"}]
    "beneficiary_payers": "JSON",  # [{"payer", "beneficiary", "current"}]
    "demographic_distribution": "JSON",  # [{"percentage", "age", "gender"}]
    "delivery_by_region": "JSON",  # [{"percentage", "region"}]; legacy region_distribution too
    "age_country_gender_reach_breakdown": "JSON",
    "record": "JSON",  # the whole record as Meta gave it (redacted), for fields not listed here
    # The country the item's query asked ad_reached_countries for (one query per country, so the ad
    # reached it); "ALL" for an all-countries query; NULL in items written before this field.
    "query_country": "VARCHAR",
}

# YouTube watch page, channel page or player response: the ad keys the page carried, with channel facts
# (spiders/parsers/youtube.py). "ad slots present" never proves that the creator is paid.
YOUTUBE_SIGNAL_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "youtube"
    "signal_key": "VARCHAR",  # "<page_kind>:<video or channel id>", one row per key per source
    "page_kind": "VARCHAR",  # watch | channel | video_info
    "video_id": "VARCHAR",  # NULL for a channel page
    "channel_id": "VARCHAR",  # UC... id
    "channel_title": "VARCHAR",
    "subscribers": "BIGINT",  # parsed from subscribers_text ("1.2M subscribers"); NULL when not English
    "subscribers_text": "VARCHAR",  # as the page wrote it
    "views": "BIGINT",  # the video's view count (a channel's, from its about data, when given)
    "category": "VARCHAR",  # the video's category, e.g. "Music"
    "is_live": "BOOLEAN",  # a live broadcast, on air or its recording
    "is_live_now": "BOOLEAN",  # on air when fetched
    "playability_status": "VARCHAR",  # playabilityStatus.status, e.g. "OK", "UNPLAYABLE"
    "ad_slots_label": "VARCHAR",  # "ad slots present" | "no ad slots observed"
    "ad_signals": "VARCHAR[]",  # which of playerAds, adPlacements, adSlots, adBreakParams were found
    "evidence": "VARCHAR",  # 200 characters of the page from the first ad key found; NULL without one
    "evidence_by_signal": "JSON",  # {ad key: 200 characters of the page from that key}
}

# ads.txt / app-ads.txt (IAB ads.txt 1.1; spiders/parsers/ads_txt.py). Every kind is one line of one file,
# keyed by line_key "<domain>/<file_kind>#<line_number>"; domain is the host the file was fetched for,
# root_domain its registrable domain by the Public Suffix List (spiders/public_suffix.py).
ADS_TXT_LINE_FIELDS: dict[str, str] = {
    "line_key": "VARCHAR",
    "domain": "VARCHAR",
    "root_domain": "VARCHAR",
    "file_kind": "VARCHAR",  # "ads.txt" | "app-ads.txt"
    "line_number": "INTEGER",  # 1-based; CR, LF and CRLF each end a line
}
ADS_TXT_RECORD_FIELDS: dict[str, str] = {
    **ADS_TXT_LINE_FIELDS,
    "ad_system_domain": "VARCHAR",  # as given, e.g. "Google.com", "pubmatic,com"
    "ad_system_canonical": "VARCHAR",  # through spiders/parsers/ad_systems.py's alias table
    "seller_account_id": "VARCHAR",  # exactly as given (case, leading zeros, '=')
    "seller_account_canonical": "VARCHAR",  # Google's ca-pub-/ca-video-pub-/partner-pub- as pub-; else as given
    "relationship": "VARCHAR",  # DIRECT | RESELLER
    "certification_authority_id": "VARCHAR",
    "extensions": "VARCHAR[]",  # the fields after ';'
    "is_placeholder": "BOOLEAN",  # IAB's "no authorised sellers" placeholder record, not a seller
    "recovered_reason": "VARCHAR",  # NULL unless a near-miss line was recovered: what was repaired
}
ADS_TXT_VARIABLE_FIELDS: dict[str, str] = {
    **ADS_TXT_LINE_FIELDS,
    "name": "VARCHAR",  # uppercased: CONTACT, SUBDOMAIN, INVENTORYPARTNERDOMAIN, OWNERDOMAIN, MANAGERDOMAIN, ...
    "value": "VARCHAR",  # %-decoded; domains lowercased
    "country": "VARCHAR",  # MANAGERDOMAIN's optional ISO 3166-1 alpha-2 country
    "ignored_reason": "VARCHAR",  # why it has no effect (a later OWNERDOMAIN, an unknown name, ...); NULL if it counts
}
ADS_TXT_REJECTED_LINE_FIELDS: dict[str, str] = {
    **ADS_TXT_LINE_FIELDS,
    "raw_line": "VARCHAR",  # the line as decoded, comment included
    "reason": "VARCHAR",
}

# The outcome of fetching one ads.txt or app-ads.txt (spiders/ads_txt.py): found, not found (404: the site
# has no file) or an error (a redirect chain too far off-site, a Content-Type not text/plain, a failed
# download). The view ads_txt_current keeps each domain's last good copy across errors.
ADS_TXT_FETCH_FIELDS: dict[str, str] = {
    "fetch_key": "VARCHAR",  # "<domain>/<file_kind>": one fetch outcome per file per crawl
    "domain": "VARCHAR",  # the host the file was fetched for (a root domain, or a declared subdomain)
    "root_domain": "VARCHAR",
    "file_kind": "VARCHAR",  # "ads.txt" | "app-ads.txt"
    "discovered_via": "VARCHAR",  # configured | subdomain | inventory_partner | app_store
    "discovered_from": "VARCHAR",  # the domain whose file (or the store page) named this one; NULL if configured
    "url_requested": "VARCHAR",  # the first URL asked (https://<domain>/<file_kind>)
    "url_final": "VARCHAR",  # where the answer came from, after redirects and the HTTP fallback
    "status": "VARCHAR",  # found | not_found | error
    "http_status": "INTEGER",  # of the final answer; NULL when none arrived
    "error": "VARCHAR",  # what went wrong (status error), NULL otherwise
    "redirect_chain": "VARCHAR[]",  # every URL asked, in order, the final one included
    "cross_domain_hops": "INTEGER",  # redirect hops that left the domain's root domain
    "content_type": "VARCHAR",  # the final answer's Content-Type header, as sent
    "records": "INTEGER",  # ads_txt_record items made of the file (0 unless found)
}

# TikTok Commercial Content API (developers.tiktok.com/doc/commercial-content-api-query-ads and
# -get-ad-details): one ad. TikTok gives reach as text buckets ("30K", "1K-10K", "10M+"); they are kept as
# written and as lower/upper bounds. TikTok discloses no spend. Dates are YYYYMMDD numbers in TikTok's answer.
TIKTOK_AD_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "tiktok"
    "ad_id": "VARCHAR",
    "ad_key": "VARCHAR",  # ad_id
    "endpoint": "VARCHAR",  # "ad_query" | "ad_detail"
    "first_shown_date": "DATE",
    "last_shown_date": "DATE",
    "status": "VARCHAR",  # "active" | "inactive" | ...
    "status_statement": "VARCHAR",  # TikTok's wording when an ad was removed
    "title": "VARCHAR",  # ad.title (detail only)
    "call_to_action": "VARCHAR",
    "external_url": "VARCHAR",
    "advertising_objective": "VARCHAR",
    "video_urls": "VARCHAR[]",
    "image_urls": "VARCHAR[]",
    "advertiser_business_id": "VARCHAR",
    "advertiser_business_name": "VARCHAR",
    "paid_for_by": "VARCHAR",
    "advertiser_follower_count": "BIGINT",
    "unique_users_seen_text": "VARCHAR",  # as TikTok wrote it, e.g. "30K" or "1K-10K"
    "unique_users_seen_lower": "BIGINT",
    "unique_users_seen_upper": "BIGINT",  # NULL when the bucket is open at the top ("10M+")
    "unique_users_seen_by_country": "JSON",  # {"GB": "18K", ...} as written
    "targeting": "JSON",  # ad_group.targeting_info as TikTok gave it (country, age, gender, audience size...)
    "targeted_countries": "VARCHAR[]",
    "users_targeted_text": "VARCHAR",  # number_of_users_targeted as written
    "query_country": "VARCHAR",  # the country_code the query asked for; "ALL" or NULL when none
    "record": "JSON",  # the whole {"ad", "advertiser", "ad_group"} entry (redacted)
}

# TikTok Commercial Content API, advertiser query (developers.tiktok.com/doc/commercial-content-api-query-
# advertisers): advertisers whose name matches a search term; one line per business id and country.
TIKTOK_ADVERTISER_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "tiktok"
    "business_id": "VARCHAR",
    "advertiser_key": "VARCHAR",  # business_id and country_code: "1755645247067185:US"
    "business_name": "VARCHAR",
    "country_code": "VARCHAR",  # the advertiser's country as TikTok gives it
    "search_term_sha256": "VARCHAR",  # the term that found it, hashed as in the manifest
    "record": "JSON",  # the advertiser entry as TikTok gave it (redacted)
}

# TikTok Commercial Content API, other commercial content (developers.tiktok.com/doc/commercial-content-api-
# query-commercial-content): creator posts labelled as branded or paid partnership content; creator signals.
TIKTOK_COMMERCIAL_CONTENT_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "tiktok"
    "content_id": "VARCHAR",
    "content_key": "VARCHAR",  # content_id
    "create_date": "DATE",
    "create_timestamp": "TIMESTAMPTZ",
    "label": "VARCHAR",  # TikTok's disclosure label, as written
    "brand_names": "VARCHAR[]",
    "creator_username": "VARCHAR",
    "creator_follower_count": "BIGINT",
    "video_urls": "VARCHAR[]",
    "query_country": "VARCHAR",  # the creator_country_code the query asked for
    "record": "JSON",  # the whole entry (redacted)
}

# Rendered pages (spiders/page_placements.py, Chromium through Playwright): one page_render per page, one
# page_ad_slot per element matched by an EasyList element-hiding selector, one page_ad_request per request to
# a known ad-system host, one page_bid per header-bidding bid the page exposed (window.pbjs). Ads are never
# clicked: a landing domain comes from the link's href and its redirect parameters.
PAGE_FIELDS: dict[str, str] = {
    "page_url": "VARCHAR",  # the page asked for
    "page_domain": "VARCHAR",  # its host
    "vantage_country": "VARCHAR",  # ISO2 the crawl claims to see from (ADTRAIL_VANTAGE_COUNTRY); NULL if unset
    "vantage_egress": "VARCHAR",  # how the crawler reached the web (ADTRAIL_VANTAGE_EGRESS), as described
}
PAGE_RENDER_FIELDS: dict[str, str] = {
    **PAGE_FIELDS,
    "render_key": "VARCHAR",  # "<crawl_id>:<page_url>"
    "final_url": "VARCHAR",  # after redirects
    "http_status": "INTEGER",
    "title": "VARCHAR",
    "ad_slots": "INTEGER",  # page_ad_slot items of this page
    "ad_requests": "INTEGER",  # page_ad_request items of this page
    "ad_systems": "VARCHAR[]",  # EasyList ad-server rule domains the page called
    "ad_system_owners": "VARCHAR[]",  # their organisations (owner table), when known
    "bids": "INTEGER",  # page_bid items of this page
    "schain": "JSON",  # supply-chain objects from pbjs config and bid requests ([] when none)
    "screenshot_path": "VARCHAR",  # full-page screenshot, relative to the crawl folder
    "dom_sha256": "VARCHAR",  # of the serialised DOM stored in the WARC
}
PAGE_AD_SLOT_FIELDS: dict[str, str] = {
    **PAGE_FIELDS,
    "slot_key": "VARCHAR",  # "<crawl_id>:<page_url>#<slot_index>"
    "slot_index": "INTEGER",  # 0-based, document order
    "selectors": "VARCHAR[]",  # the EasyList selectors the element matched
    "element_id": "VARCHAR",
    "element_class": "VARCHAR",
    "width": "DOUBLE",  # CSS pixels of the bounding box
    "height": "DOUBLE",
    "iframe_src": "VARCHAR",  # the slot's (or its first inner) iframe's src
    "link_href": "VARCHAR",  # the ad's link, never followed
    "landing_url": "VARCHAR",  # from the href's redirect parameter (adurl=, url=, dest=, u=, ...) or the href
    "landing_domain": "VARCHAR",
    "landing_via": "VARCHAR",  # the redirect parameter read, or "href"
    "screenshot_path": "VARCHAR",  # element screenshot, relative to the crawl folder; NULL when not visible
}
PAGE_AD_REQUEST_FIELDS: dict[str, str] = {
    **PAGE_FIELDS,
    "request_key": "VARCHAR",  # "<crawl_id>:<page_url>#<request_index>"
    "request_index": "INTEGER",
    "request_url": "VARCHAR",  # query string dropped (it may carry user identifiers)
    "request_host": "VARCHAR",
    "resource_type": "VARCHAR",  # Playwright's: script, xhr, image, sub_frame, ...
    "ad_system_domain": "VARCHAR",  # the EasyList ||domain^ rule that matched
    "ad_system_owner": "VARCHAR",  # organisation from the owner table; NULL when unknown
}
PAGE_BID_FIELDS: dict[str, str] = {
    **PAGE_FIELDS,
    "bid_key": "VARCHAR",  # "<crawl_id>:<page_url>#<bid_index>"
    "bid_index": "INTEGER",
    "source_call": "VARCHAR",  # "getBidResponses" | "getAllWinningBids"
    "ad_unit_code": "VARCHAR",
    "bidder": "VARCHAR",
    "cpm": "DOUBLE",  # price per thousand impressions, in currency
    "currency": "VARCHAR",
    "advertiser_domains": "VARCHAR[]",  # meta.advertiserDomains
    "creative_id": "VARCHAR",
    "deal_id": "VARCHAR",
    "width": "INTEGER",
    "height": "INTEGER",
    "won": "BOOLEAN",  # listed by getAllWinningBids
    "record": "JSON",  # the bid as the page exposed it (functions and DOM nodes dropped)
}

# Google ad creatives as Google's pages show them (spiders/parsers/google_transparency.py): the legacy
# transparency report's ad cards (transparencyreport.google.com/political-ads, "creative-preview") and the Ads
# Transparency Center's creative page (adstransparency.google.com/advertiser/AR…/creative/CR…), rendered by
# Chromium. creative_id is the bundle's Ad_ID (google-political-ads-creative-stats.csv), so the two join.
GOOGLE_CREATIVE_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "google"
    "creative_id": "VARCHAR",  # CR… from the page's links; the bundle's Ad_ID
    "ad_key": "VARCHAR",  # creative_id
    "advertiser_id": "VARCHAR",  # AR…; the bundle's Advertiser_ID
    "advertiser_name": "VARCHAR",  # as the page writes it ("Paid for by" on legacy cards)
    "page_kind": "VARCHAR",  # "legacy_card" | "creative_detail"
    "ad_format": "VARCHAR",  # "text" | "image" | "video"; NULL when the page does not say
    "headline": "VARCHAR",  # a text ad's title line
    "display_url": "VARCHAR",  # a text ad's visible URL line
    "body": "VARCHAR",  # a text ad's description, or the creative's other text
    "image_urls": "VARCHAR[]",
    "media_urls": "VARCHAR[]",  # video and rendered-frame (iframe) sources
    "dates_text": "VARCHAR",  # as written, e.g. "11/3/20 - 11/3/20" or "Last shown: Nov 3, 2020"
    "first_shown_date": "DATE",
    "last_shown_date": "DATE",
    "days_shown": "INTEGER",  # legacy cards' ISO 8601 duration (datetime="P9D")
    "regions": "VARCHAR[]",  # as written on the page; NULL when the page shows none
    "impressions_text": "VARCHAR",  # legacy cards' bucket as written, e.g. "100k–1M"
    "spend_text": "VARCHAR",  # legacy cards' bucket as written, e.g. "> $100k"
    "status": "VARCHAR",  # "ok" | "failed" (the page never finished loading its details, ...)
    "error": "VARCHAR",  # why it failed and what to do; NULL when ok
}

# LinkedIn Ad Library (linkedin.com/ad-library; spiders/parsers/linkedin_ad_library.py): one ad, from a search
# result card (page_kind "search_card": advertiser, format, text) or its detail page (page_kind "detail": also
# payer, call to action, destination, dates and, for ads shown in the EU, impressions and targeting). LinkedIn
# discloses no spend. Impressions are a range as written ("1k-5k", "<1k", "1M+"); the country split is shares.
LINKEDIN_AD_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",  # "linkedin"
    "ad_id": "VARCHAR",  # the number in /ad-library/detail/<id>
    "ad_key": "VARCHAR",  # ad_id
    "page_kind": "VARCHAR",  # "search_card" | "detail"
    "detail_url": "VARCHAR",
    "advertiser_name": "VARCHAR",
    "advertiser_url": "VARCHAR",  # the advertiser's LinkedIn page, tracking parameters removed
    "posted_as": "VARCHAR",  # thought-leader ads: the member whose post the advertiser ("Promoted by") promotes
    "payer": "VARCHAR",  # "Paid for by" as written, the prefix removed
    "ad_format": "VARCHAR",  # e.g. "Single Image Ad", "Video Ad", "Document Ad"
    "headline": "VARCHAR",
    "body_text": "VARCHAR",  # search cards may truncate it ("…"); the detail page has it whole
    "call_to_action": "VARCHAR",  # the button's label, e.g. "Learn more"; NULL when the ad has none
    "destination_url": "VARCHAR",  # where the ad links to, as the page gave it
    "ran_text": "VARCHAR",  # e.g. "Ran from Aug 7, 2024 to Sep 17, 2024", as written
    "ran_from": "DATE",
    "ran_to": "DATE",  # NULL while the ad still runs or when not shown
    "restricted_text": "VARCHAR",  # LinkedIn's wording when the ad is restricted; NULL otherwise
    "impressions_text": "VARCHAR",  # total impressions as written, e.g. "1k-5k"
    "impressions_lower": "BIGINT",
    "impressions_upper": "BIGINT",  # NULL when open at the top ("1M+")
    "impressions_open_ended": "BOOLEAN",
    "impressions_by_country": "JSON",  # [{"country", "country_code", "share_text", "share_low", "share_high"}] (percent)
    "targeting": "JSON",  # [{"parameter", "included": [..], "excluded": [..]}] as the EU block lists them
    "targeting_languages": "VARCHAR[]",  # the Language parameter's included values
    "targeting_locations_included": "VARCHAR[]",
    "targeting_locations_excluded": "VARCHAR[]",
}

FIELDS: dict[str, dict[str, str]] = {
    "ads_txt_record": {**PROVENANCE_FIELDS, **ADS_TXT_RECORD_FIELDS},
    "ads_txt_variable": {**PROVENANCE_FIELDS, **ADS_TXT_VARIABLE_FIELDS},
    "ads_txt_rejected_line": {**PROVENANCE_FIELDS, **ADS_TXT_REJECTED_LINE_FIELDS},
    "ads_txt_fetch": {**PROVENANCE_FIELDS, **ADS_TXT_FETCH_FIELDS},
    "meta_ad": {**PROVENANCE_FIELDS, **META_AD_FIELDS},
    "youtube_signal": {**PROVENANCE_FIELDS, **YOUTUBE_SIGNAL_FIELDS},
    "tiktok_ad": {**PROVENANCE_FIELDS, **TIKTOK_AD_FIELDS},
    "tiktok_commercial_content": {**PROVENANCE_FIELDS, **TIKTOK_COMMERCIAL_CONTENT_FIELDS},
    "tiktok_advertiser": {**PROVENANCE_FIELDS, **TIKTOK_ADVERTISER_FIELDS},
    "google_creative": {**PROVENANCE_FIELDS, **GOOGLE_CREATIVE_FIELDS},
    "page_render": {**PROVENANCE_FIELDS, **PAGE_RENDER_FIELDS},
    "page_ad_slot": {**PROVENANCE_FIELDS, **PAGE_AD_SLOT_FIELDS},
    "page_ad_request": {**PROVENANCE_FIELDS, **PAGE_AD_REQUEST_FIELDS},
    "page_bid": {**PROVENANCE_FIELDS, **PAGE_BID_FIELDS},
    "linkedin_ad": {**PROVENANCE_FIELDS, **LINKEDIN_AD_FIELDS},
}

# Which raw table each item kind loads into.
RAW_TABLE: dict[str, str] = {
    "ads_txt_record": "raw_ads_txt_record",
    "ads_txt_variable": "raw_ads_txt_variable",
    "ads_txt_rejected_line": "raw_ads_txt_rejected_line",
    "ads_txt_fetch": "raw_ads_txt_fetch",
    "meta_ad": "raw_meta_ads_archive",
    "youtube_signal": "raw_youtube_signal",
    "tiktok_ad": "raw_tiktok_ad",
    "tiktok_commercial_content": "raw_tiktok_commercial_content",
    "tiktok_advertiser": "raw_tiktok_advertiser",
    "google_creative": "raw_google_creative",
    "page_render": "raw_page_render",
    "page_ad_slot": "raw_page_ad_slot",
    "page_ad_request": "raw_page_ad_request",
    "page_bid": "raw_page_bid",
    "linkedin_ad": "raw_linkedin_ad",
}


def empty_item(kind: str) -> dict:
    """An item of ``kind`` with every field present and NULL, so every line has the same keys."""
    return dict.fromkeys(FIELDS[kind])
