"""Story ids over three simulated nights on a real DuckDB warehouse file: pages joining a story
keep its id, two stories merged by a bridging copy keep the older id (recorded in
story_merges), and a re-run over an unchanged corpus changes no id."""

from datetime import date, datetime

import polars as pl

from tests.test_story_precision import paragraphs
from winnow import stages, warehouse
from winnow.stories.ids import assign, new_story_id

# Wire story X is paragraphs 0-9, story Y paragraphs 3-12 (they share seven of thirteen: not
# one story); the bridge (paragraphs 1-11) is a version that verifies against both.
P = paragraphs(13)
X = "\n".join(P[0:10])
Y = "\n".join(P[3:13])
BRIDGE = "\n".join(P[1:12])
LONE = paragraphs(6, seed=99)


def _write(con, rows):
    """rows: (page_id, site, published day, body)."""
    frame = pl.DataFrame(
        {
            "page_id": [r[0] for r in rows],
            "site": [r[1] for r in rows],
            "published_at": [date(2026, 3, r[2]) for r in rows],
            "body": [r[3] for r in rows],
            "n_words": [len(r[3].split()) for r in rows],
            "content_hash": "h",
            "has_article": True,
            "extractor_version": "test",
            "run_id": "r",
            "extracted_at": datetime(2026, 3, 1),
        }
    )
    with warehouse.transaction(con):
        warehouse.write_articles(con, frame)


def _ids(con) -> dict[str, str]:
    return dict(con.execute("SELECT page_id, story_id FROM story_members").fetchall())


def _stories(con) -> dict[str, tuple]:
    rows = con.execute(
        "SELECT story_id, status, canonical_page_id, members, sites FROM stories"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_ids_over_three_nights(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        # Night 1: X on two sites, Y on one, a lone article.
        _write(
            con,
            [
                ("x-herald", "herald.example", 5, X),
                ("x-gazette", "gazette.example", 6, X + "\nReporting by Coastal Wire Service."),
                ("y-post", "post.example", 7, Y),
                ("lone", "post.example", 7, "\n".join(LONE)),
            ],
        )
        stages.cluster(con, "night1")
        night1 = _ids(con)
        x_id, y_id = night1["x-herald"], night1["y-post"]
        assert night1["x-gazette"] == x_id and y_id != x_id and night1["lone"] not in {x_id, y_id}
        assert _stories(con)[x_id] == ("active", "x-herald", 2, 2)  # earliest published

        # Night 2: a third copy of X (published earlier than the others, so it becomes the
        # canonical member) and a copy of Y arrive: both stories keep their ids.
        _write(
            con,
            [
                ("x-courier", "courier.example", 4, X),
                ("y-herald", "herald.example", 8, Y),
            ],
        )
        two = stages.cluster(con, "night2")
        night2 = _ids(con)
        assert {k: v for k, v in night2.items() if k in night1} == night1
        assert night2["x-courier"] == x_id and night2["y-herald"] == y_id
        assert two.counts["stories_new"] == 0 and two.counts["stories_merged"] == 0
        assert _stories(con)[x_id] == ("active", "x-courier", 3, 3)

        # Night 3: a long version joins X and Y into one story: the older id (X's) lives on.
        _write(con, [("bridge", "wire.example", 9, BRIDGE)])
        three = stages.cluster(con, "night3")
        night3 = _ids(con)
        assert {night3[p] for p in ("x-herald", "x-gazette", "x-courier", "y-post", "bridge")} == {
            x_id
        }
        assert night3["lone"] == night1["lone"]
        assert three.counts["stories_merged"] == 1 and three.counts["stories_new"] == 0
        merges = con.execute("SELECT story_id, merged_into, pages, run_id FROM story_merges")
        assert merges.fetchall() == [(y_id, x_id, 2, "night3")]
        assert _stories(con)[y_id][0] == "merged"
        assert _stories(con)[x_id] == ("active", "x-courier", 6, 5)

        # The same corpus again: no id changes, no merge, nothing new.
        before = _stories(con)
        again = stages.cluster(con, "night3-rerun")
        assert _ids(con) == night3 and _stories(con) == before
        assert again.counts["stories_new"] == 0 and again.counts["stories_merged"] == 0
        assert again.counts["pairs_verified"] == 0 and again.counts["bodies_sketched"] == 0
        assert con.execute("SELECT count(*) FROM story_merges").fetchall()[0][0] == 1
    finally:
        con.close()


def _groups(mapping: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"page_id": list(mapping), "group": list(mapping.values())})


def _previous(mapping: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "page_id": list(mapping),
            "story_id": list(mapping.values()),
            "since_run_id": ["r0"] * len(mapping),
            "since": [datetime(2026, 1, 1)] * len(mapping),
        },
        schema={
            "page_id": pl.String,
            "story_id": pl.String,
            "since_run_id": pl.String,
            "since": pl.Datetime("us"),
        },
    )


def test_a_split_story_keeps_its_id_where_most_of_it_stayed():
    previous = _previous({"a": "s1", "b": "s1", "c": "s1"})
    done = assign(
        _groups({"a": "a", "b": "a", "c": "c"}), previous, {"s1": 1}, {"s1"}, "r1", datetime.now()
    )
    ids = dict(done.members.select("page_id", "story_id").iter_rows())
    assert ids["a"] == ids["b"] == "s1"
    assert ids["c"] == new_story_id("c", {"s1"}) != "s1"
    assert done.merges.is_empty()
    since = dict(done.members.select("page_id", "since_run_id").iter_rows())
    assert since == {"a": "r0", "b": "r0", "c": "r1"}


def test_new_ids_never_reuse_a_retired_one():
    taken = {new_story_id("a", set())}
    assert new_story_id("a", taken) == next(iter(taken)) + "-2"
    done = assign(_groups({"a": "a"}), _previous({}), {}, taken, "r", datetime.now())
    assert done.members["story_id"].to_list() == [next(iter(taken)) + "-2"]
