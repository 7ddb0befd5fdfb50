import polars as pl

from winnow.stories import cluster_stories, shingles

WIRE = (
    "The regional water authority said on Wednesday that reservoir levels had fallen to their "
    "lowest point in twenty years after the driest spring on record, and asked households across "
    "the county to avoid using hosepipes and sprinklers until further notice. Engineers are "
    "checking the main pipes for leaks, and the authority expects to decide next week whether a "
    "formal ban will be needed. Farmers in the valley said their crops were already suffering "
    "and called for the authority to prioritise irrigation for food production."
)
WIRE_COPY = (
    WIRE.replace("on Wednesday", "on Wednesday afternoon")
    + " This story was supplied by a news agency."
)
UNRELATED = (
    "The town football club unveiled its new stadium plans at a packed meeting in the community "
    "hall on Friday night, promising covered stands on all four sides, a new training pitch for "
    "the youth teams and parking for three hundred cars. The chairman said building work could "
    "begin next summer if the planning committee approves the design, with the first match "
    "expected two seasons later. Residents living near the site raised concerns about traffic "
    "on match days and asked for a new bus route."
)
SHORT = "Short wire brief repeated word for word on both sites."


def _articles(rows):
    return pl.DataFrame(rows, schema=["page_id", "site", "body"], orient="row")


def test_syndicated_copies_cluster_across_sites():
    clusters = cluster_stories(
        _articles(
            [
                ("z-herald/water", "herald.example", WIRE_COPY),
                ("a-gazette/water", "gazette.example", WIRE),
                ("m-gazette/stadium", "gazette.example", UNRELATED),
            ]
        )
    )
    assert clusters["page_id"].to_list() == ["a-gazette/water", "z-herald/water"]
    assert set(clusters["cluster_id"]) == {"a-gazette/water"}  # the smallest page_id
    assert clusters["cluster_size"].to_list() == [2, 2]
    assert clusters["sites"].to_list() == [2, 2]
    assert clusters["site"].to_list() == ["gazette.example", "herald.example"]
    first, second = clusters["similarity"].to_list()
    assert first == 1.0 and 0.6 <= second < 1.0


def test_same_site_copies_count_one_site():
    clusters = cluster_stories(
        _articles([("b", "herald.example", WIRE), ("c", "herald.example", WIRE_COPY)])
    )
    assert clusters["cluster_id"].to_list() == ["b", "b"]
    assert clusters["sites"].to_list() == [1, 1]


def test_unrelated_bodies_do_not_cluster():
    clusters = cluster_stories(
        _articles([("a", "herald.example", WIRE), ("b", "gazette.example", UNRELATED)])
    )
    assert clusters.is_empty()
    assert clusters.columns == [
        "page_id",
        "cluster_id",
        "site",
        "cluster_size",
        "sites",
        "similarity",
    ]


def test_short_bodies_are_skipped():
    clusters = cluster_stories(
        _articles(
            [
                ("a", "herald.example", SHORT),
                ("b", "gazette.example", SHORT),
                ("c", "x.example", ""),
            ]
        )
    )
    assert clusters.is_empty()
    # The same texts count once min_words allows them.
    assert cluster_stories(
        _articles([("a", "herald.example", SHORT), ("b", "gazette.example", SHORT)]), min_words=5
    )["cluster_id"].to_list() == ["a", "a"]


def test_three_copies_form_one_cluster():
    clusters = cluster_stories(
        _articles(
            [
                ("p3", "c.example", WIRE + " Reporting by staff."),
                ("p1", "a.example", WIRE),
                ("p2", "b.example", WIRE_COPY),
            ]
        )
    )
    assert clusters["page_id"].to_list() == ["p1", "p2", "p3"]
    assert set(clusters["cluster_id"]) == {"p1"}
    assert clusters["cluster_size"].to_list() == [3, 3, 3]
    assert clusters["sites"].to_list() == [3, 3, 3]


def test_shingles():
    assert shingles("One two three four five six") == {
        b"one two three four five",
        b"two three four five six",
    }
    assert shingles("Just three words") == {b"just three words"}
    assert shingles("") == set()
