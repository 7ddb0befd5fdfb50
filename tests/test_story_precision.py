"""Precision first: syndicated copies are one story, different stories on one topic (the same
people and place, another event) are not, even when LSH proposes them as a pair.

The texts are written here (no corpus labels): a boatyard's expansion vs the same boatyard's
fine, and templated storm warnings for the same bay that differ in the storm, the day and the
figures, with and without a long shared background paragraph.
"""

import random
from datetime import datetime

import polars as pl
import pytest
from datasketch import MinHashLSH

from winnow import stages, warehouse
from winnow.settings import STORIES
from winnow.stories import cluster_stories
from winnow.stories.cluster import NUM_PERM, sketch
from winnow.stories.verify import body_shingles, verify

_WORDS = (
    "council harbour ferry school bridge market road river festival budget plan meeting "
    "residents families library station farmers shop museum clinic police court trust board "
    "team season hall garden workers tenants choir parish club yard quay tide village"
).split()
_VERBS = "said agreed warned asked opened closed approved rejected praised delayed".split()


def paragraphs(n: int, seed: int = 7) -> list[str]:
    """``n`` paragraphs of made-up news prose, none sharing a 5-gram with another seed's."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(4):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 14))]
            words.insert(rng.randint(1, 5), rng.choice(_VERBS))
            words.insert(rng.randint(1, 6), str(rng.randint(2, 990)))
            sentences.append("The " + " ".join(words) + ".")
        out.append(" ".join(sentences))
    return out


BOATYARD_PLAN = """Thornfell Boatyard said on Monday that it would build a second slipway at its yard on the Merrow estuary, creating 40 jobs over the next three years.
Managing director Alys Penrose told a meeting of the Thornfell Harbour Board that the £2.1 million project would let the yard take vessels of up to 30 metres, twice the size it can repair today.
The harbour board backed the plan by six votes to one. Board chair Tomas Reddin said the slipway would bring trade back to a quay that has been half empty since the ferry service moved to Kestle in 2019.
Work is due to start in September, subject to a licence from the Marine Management Organisation, and Penrose said the first apprentices would be recruited from Thornfell Community College.
Local fishermen welcomed the news but asked the board to keep the north berths free for the winter fleet."""  # noqa: E501

BOATYARD_FINE = """Thornfell Boatyard was fined £18,000 on Thursday after diesel from its yard on the Merrow estuary polluted oyster beds downstream, magistrates in Kestle heard.
The court was told that a tank valve left open over a weekend in March let about 900 litres escape into the water. Managing director Alys Penrose apologised to the oyster growers and said the yard had replaced every valve on the site.
Thornfell Harbour Board chair Tomas Reddin said the board would review the yard's lease when it comes up next year. The Environment Agency said the oyster beds had been closed for eleven weeks.
Growers told the court they had lost most of a season's harvest, and the yard agreed to pay £6,500 in compensation on top of the fine.
Penrose said the second slipway the yard plans would be built with a sealed drainage system."""  # noqa: E501

BACKGROUND = """
Merrow Bay has seen four named storms since October. The council spent its winter repairs budget in January and has asked the government for emergency funding to rebuild the sea wall at the western end of the promenade, where the railings were torn away.
Residents of the low-lying streets behind the harbour have formed a flood group that keeps a list of elderly neighbours to check on when the water rises, and the lifeboat station has held open days to explain what to do when the sirens sound."""  # noqa: E501


def storm(name: str, day: str, gust: int, hours: int, town: str, rain: int) -> str:
    """A templated storm warning: the same words, another storm's particulars."""
    return f"""The Met Office issued an amber warning for wind on {day} as Storm {name} approached Merrow Bay, with gusts of up to {gust} mph expected along the exposed coast.
The warning runs for {hours} hours from 6am and covers {town}, Kestle and the villages of the Thornfell peninsula. Forecasters said up to {rain} mm of rain could fall on high ground.
Coastguards urged people to stay away from the sea front and harbour walls while the warning is in force. Merrow Bay Council said sandbags would be available at the depot on Quay Road.
Ferry operator Westline said crossings to the islands could be cancelled at short notice and advised passengers to check before travelling. Bus routes will run a reduced timetable.
The bay was last hit by a storm of this strength in February, when falling trees closed the coast road for two days and several hundred homes lost power."""  # noqa: E501


ADA = storm("Ada", "Tuesday", 70, 18, "Pelling Cove", 40)
SAME_TOPIC = {  # different events, same people / place / template: never one story
    "boatyard plan vs fine": (BOATYARD_PLAN, BOATYARD_FINE),
    "storms, every particular differs": (ADA, storm("Bram", "Friday", 60, 12, "Harrowby", 25)),
    "storms, shared background": (
        ADA + BACKGROUND,
        storm("Bram", "Friday", 60, 12, "Harrowby", 25) + BACKGROUND,
    ),
    "storms, only name and day differ": (ADA, storm("Cara", "Sunday", 70, 18, "Pelling Cove", 40)),
}
SYNDICATED = {  # one story: copies as syndication produces them
    "wire copy with a byline line and a reworded verb": (
        BOATYARD_PLAN,
        BOATYARD_PLAN.replace("said on Monday", "announced on Monday")
        + "\nAdditional reporting by Coastal Wire Service.",
    ),
    "two copies crediting different reporters": (
        BOATYARD_PLAN + "\nReporting by Quill; editing by Wire Desk.",
        BOATYARD_PLAN + "\nReporting by Tarrant; editing by Wire Desk.",
    ),
    "copy trimmed of its last paragraph": (
        BOATYARD_PLAN,
        BOATYARD_PLAN.rsplit("\n", 1)[0],
    ),
    "update: a figure raised, a sentence added": (
        ADA,
        storm("Ada", "Tuesday", 75, 18, "Pelling Cove", 40)
        + "\nThe warning was later raised to red for the coast.",
    ),
}


@pytest.mark.parametrize("name", SAME_TOPIC)
def test_same_topic_different_stories_are_not_linked(name):
    a, b = SAME_TOPIC[name]
    assert not verify(body_shingles(a), body_shingles(b), STORIES).linked


@pytest.mark.parametrize("name", SYNDICATED)
def test_syndicated_copies_are_linked(name):
    a, b = SYNDICATED[name]
    assert verify(body_shingles(a), body_shingles(b), STORIES).linked


def test_verification_is_what_keeps_templated_stories_apart():
    """LSH proposes the templated storms (their sketches agree on most hash values), the
    overall shingle checks pass; the distinctive shingles and the swapped names do not."""
    for name in ("storms, shared background", "storms, only name and day differ"):
        a, b = SAME_TOPIC[name]
        lsh = MinHashLSH(threshold=STORIES.lsh_threshold, num_perm=NUM_PERM)
        lsh.insert("a", sketch(a))
        assert lsh.query(sketch(b)) == ["a"], name
        verdict = verify(body_shingles(a), body_shingles(b), STORIES)
        assert verdict.jaccard >= STORIES.jaccard and verdict.containment >= 0.85, name
        assert verdict.name_conflicts >= 2, name
    shared = verify(*(body_shingles(t) for t in SAME_TOPIC["storms, shared background"]), STORIES)
    assert shared.distinctive < STORIES.distinctive


def _cluster_in_warehouse(path, corpus: pl.DataFrame) -> dict[str, str]:
    """page_id -> story_id after the pipeline's clustering stage on a real warehouse file."""
    con = warehouse.connect(path)
    try:
        with warehouse.transaction(con):
            warehouse.write_articles(
                con,
                corpus.with_columns(
                    content_hash=pl.lit("h"),
                    has_article=pl.lit(True),
                    extractor_version=pl.lit("t"),
                    run_id=pl.lit("r"),
                    extracted_at=pl.lit(datetime(2026, 1, 1)),
                ),
            )
        stages.cluster(con, "run")
        return dict(con.execute("SELECT page_id, story_id FROM story_members").fetchall())
    finally:
        con.close()


@pytest.mark.parametrize(
    "name, linked", [(n, False) for n in SAME_TOPIC] + [(n, True) for n in SYNDICATED]
)
def test_whole_pass_and_pipeline_stage_agree(tmp_path, name, linked):
    a, b = {**SAME_TOPIC, **SYNDICATED}[name]
    corpus = pl.DataFrame(
        {"page_id": ["a", "b"], "site": ["herald.example", "gazette.example"], "body": [a, b]}
    )
    reference = cluster_stories(corpus)
    assert reference["page_id"].to_list() == (["a", "b"] if linked else [])
    ids = _cluster_in_warehouse(tmp_path / "w.duckdb", corpus)
    assert (ids["a"] == ids["b"]) == linked
