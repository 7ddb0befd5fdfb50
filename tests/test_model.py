import polars as pl
import pytest

from winnow.model import (
    BLOCK_SCHEMA,
    BOILERPLATE_SCHEMA,
    EMPTY_MODEL,
    MIN_SITE_PAGES,
    SiteModel,
    learn,
    min_pages,
    site_models,
)
from winnow.parse.fingerprint import structural_signature, text_fingerprint

ARTICLE_PATH = "body/article/p"


def _rows(site, page_id, items):
    """items: (text, tag_path) pairs -> block rows of BLOCK_SCHEMA."""
    return [
        {
            "site": site,
            "page_id": page_id,
            "fingerprint": text_fingerprint(text),
            "signature": structural_signature(path),
            "text": text,
            "n_chars": len(text),
            "link_density": 0.0,
        }
        for text, path in items
    ]


def _frame(rows):
    return pl.DataFrame(rows, schema=BLOCK_SCHEMA)


def _row(table, site, text):
    rows = table.filter(
        (pl.col("site") == site)
        & (pl.col("kind") == "text")
        & (pl.col("key") == text_fingerprint(text))
    )
    assert rows.height == 1, f"expected one row for {text!r}, got {rows.height}"
    return rows.row(0, named=True)


TEASER = "Top stories: ferry timetable changes this weekend"
SHARED_QUOTE = "We are delighted with the result, said the mayor."


@pytest.fixture(scope="module")
def ten_page_table():
    rows = []
    for i in range(10):
        items = [
            (TEASER, "body/aside.teaser/p"),
            (f"Unique paragraph {chr(65 + i)} about the story of page {chr(97 + i)}", ARTICLE_PATH),
        ]
        if i < 2:
            items.append((SHARED_QUOTE, ARTICLE_PATH))
        rows += _rows("ten.example", f"ten-{i}", items)
    return learn(_frame(rows))


def test_learn_returns_boilerplate_schema(ten_page_table):
    assert dict(ten_page_table.schema) == BOILERPLATE_SCHEMA


def test_text_on_every_page_is_boilerplate(ten_page_table):
    row = _row(ten_page_table, "ten.example", TEASER)
    assert row["decision"] == "boilerplate"
    assert row["pages"] == 10 and row["site_pages"] == 10
    assert row["share"] == 1.0
    assert row["threshold"] == 3
    assert row["sample_text"] == TEASER
    assert "10 of 10 pages" in row["reason"]


def test_text_on_two_of_ten_pages_is_content(ten_page_table):
    row = _row(ten_page_table, "ten.example", SHARED_QUOTE)
    assert row["decision"] == "content"
    assert row["pages"] == 2
    assert "2 of 10 pages" in row["reason"] and "below threshold" in row["reason"]


def test_unique_texts_are_left_out(ten_page_table):
    assert ten_page_table.filter(pl.col("sample_text").str.starts_with("Unique")).is_empty()
    assert ten_page_table.height == 2


def test_digits_do_not_split_a_template_text():
    rows = []
    for i in range(4):
        rows += _rows(
            "clock.example",
            f"c{i}",
            [(f"Updated {i + 1} hours ago", "body/div.meta"), (f"Story {chr(65 + i)}", "body/p")],
        )
    row = _row(learn(_frame(rows)), "clock.example", "Updated 1 hours ago")
    assert row["decision"] == "boilerplate" and row["pages"] == 4


def test_small_site_gets_no_cross_page_model():
    rows = []
    for i in range(2):
        footer = "Copyright Tiny Site. All rights reserved."
        rows += _rows("tiny.example", f"t{i}", [(footer, "body/footer"), (f"Body {i}", "body/p")])
    table = learn(_frame(rows))
    row = _row(table, "tiny.example", "Copyright Tiny Site. All rights reserved.")
    assert row["decision"] == "content"
    assert f"fewer than {MIN_SITE_PAGES} pages" in row["reason"]
    assert table.filter(pl.col("decision") == "boilerplate").is_empty()
    model = site_models(table)["tiny.example"]
    assert model.site_pages == 2 and not model.text_keys and not model.slot_keys


def test_in_page_repeats_on_two_pages_are_boilerplate():
    share = "Share this article"
    rows = []
    for i in range(2):
        items = [(share, "body/div.share"), (f"Body of page {i}", "body/p"), (share, "body/div.s")]
        rows += _rows("rep.example", f"r{i}", items)
    rows += _rows("rep.example", "r2", [("Body of page 2", "body/p")])
    row = _row(learn(_frame(rows)), "rep.example", share)
    assert row["decision"] == "boilerplate"
    assert row["pages"] == 2 and row["max_in_page"] == 2 and row["occurrences"] == 4
    assert "repeated up to 2 times within a page" in row["reason"]


def test_in_page_repeat_on_a_single_page_stays_content():
    rows = _rows("one.example", "o0", [("Chorus line", "body/p"), ("Chorus line", "body/p")])
    rows += _rows("one.example", "o1", [("Verse one", "body/p")])
    rows += _rows("one.example", "o2", [("Verse two", "body/p")])
    row = _row(learn(_frame(rows)), "one.example", "Chorus line")
    assert row["decision"] == "content" and row["max_in_page"] == 2


def test_sites_are_learnt_separately():
    shared = "Sign up for our newsletter"
    rows = []
    for i in range(3):
        rows += _rows("a.example", f"a{i}", [(shared, "body/div"), (f"A story {i}", "body/p")])
    rows += _rows("b.example", "b0", [(shared, "body/div")])
    table = learn(_frame(rows))
    assert _row(table, "a.example", shared)["decision"] == "boilerplate"
    assert table.filter(pl.col("site") == "b.example").is_empty()


def test_rows_without_site_are_ignored():
    rows = []
    for i in range(5):
        rows += _rows(None, f"n{i}", [("Orphan footer", "body/footer")])
    assert learn(_frame(rows)).is_empty()


@pytest.mark.parametrize(
    ("site_pages", "expected"),
    [(3, 3), (10, 3), (50, 3), (500, 5), (5000, 7)],
)
def test_min_pages_thresholds(site_pages, expected):
    assert min_pages(site_pages) == expected


def test_min_pages_grows_slowly_and_is_off_for_tiny_sites():
    assert min_pages(0) > 10**6 and min_pages(MIN_SITE_PAGES - 1) > 10**6
    values = [min_pages(n) for n in (50, 51, 100, 500, 1000, 5000, 50000)]
    assert values == sorted(values)
    assert min_pages(50000) <= 10


PROMOS = [
    "Subscribe to the print edition today",
    "Download the Gazette app",
    "Listen to the weekly podcast",
    "Join the readers panel",
]
ROTATING = "Win tickets to the regatta ball"
PROMO_PATH = "body/aside.promo/p"


def _slot_rows(last_text=ROTATING):
    rows = []
    for i in range(16):  # each promo on 3-4 pages, the last page holds a one-off text
        promo = PROMOS[i % 4] if i < 15 else last_text
        items = [(promo, PROMO_PATH), (f"Article body of page number {chr(65 + i)}", ARTICLE_PATH)]
        rows += _rows("slot.example", f"s{i:02d}", items)
    return rows


def test_slot_mostly_chrome_with_rotating_text_is_a_slot_row():
    table = learn(_frame(_slot_rows()))
    slots = table.filter(pl.col("kind") == "slot")
    assert slots.height == 1
    slot = slots.row(0, named=True)
    assert slot["key"] == structural_signature(PROMO_PATH)
    assert slot["decision"] == "boilerplate"
    assert slot["pages"] == 16
    assert slot["sample_text"] == ROTATING  # the sample is a text only the slot rule catches
    assert "80% chrome" in slot["reason"]
    model = site_models(table)["slot.example"]
    assert structural_signature(PROMO_PATH) in model.slot_keys
    assert model.is_chrome(text_fingerprint(ROTATING), structural_signature(PROMO_PATH))
    assert not model.is_chrome(text_fingerprint(ROTATING))


def test_slot_that_is_all_chrome_needs_no_slot_row():
    # The last page repeats a known promo: every text of the slot is chrome already.
    table = learn(_frame(_slot_rows(last_text=PROMOS[0])))
    assert table.filter(pl.col("kind") == "slot").is_empty()


def test_slot_with_mostly_content_is_not_chrome():
    rows = []
    for i in range(12):
        text = PROMOS[0] if i < 4 else f"Different caption number {chr(65 + i)}"
        rows += _rows("mixed.example", f"m{i:02d}", [(text, PROMO_PATH)])
    table = learn(_frame(rows))
    assert table.filter(pl.col("kind") == "slot").is_empty()
    assert _row(table, "mixed.example", PROMOS[0])["decision"] == "boilerplate"


def test_site_models_gives_lookup_sets(ten_page_table):
    models = site_models(ten_page_table)
    assert set(models) == {"ten.example"}
    model = models["ten.example"]
    assert model.site == "ten.example" and model.site_pages == 10
    assert model.text_keys == frozenset({text_fingerprint(TEASER)})
    assert model.slot_keys == frozenset()
    assert model.is_chrome(text_fingerprint("top stories: Ferry timetable changes this weekend"))
    assert not model.is_chrome(text_fingerprint(SHARED_QUOTE))


def test_model_hash_changes_with_keys():
    base = SiteModel("x.example", 10, frozenset({1, 2}), frozenset({3}))
    same = SiteModel("x.example", 12, frozenset({2, 1}), frozenset({3}))
    assert base.model_hash == same.model_hash  # order and size do not matter, keys do
    assert SiteModel("x.example", 10, frozenset({1, 2, 4}), frozenset({3})).model_hash != (
        base.model_hash
    )
    assert SiteModel("x.example", 10, frozenset({1, 2}), frozenset()).model_hash != (
        base.model_hash
    )
    # A key moving from the text set to the slot set is a different model.
    assert SiteModel("x.example", 10, frozenset({1}), frozenset({2, 3})).model_hash != (
        base.model_hash
    )


def test_empty_model_treats_nothing_as_chrome():
    assert not EMPTY_MODEL.is_chrome(text_fingerprint("anything"), structural_signature("body/p"))
    assert not EMPTY_MODEL.is_chrome(0, 0)
