"""Story ids that survive nightly runs.

Clustering gives, each run, a partition of the clusterable articles into groups (a group of one
for an article without a copy). This module names the groups so that a name means the same
story from one night to the next:

* each group *claims* the previous ids of its members; an id goes to the group holding most of
  its previous members (ties: the group with the smallest page_id), so a story that lost a page
  to another story keeps its id where most of it stayed;
* a group granted one id keeps it (a page joining a story keeps the story's id; an unchanged
  corpus re-run grants every group its own id back);
* a group granted several ids keeps the oldest (lowest ``created_seq``) and the others are
  retired into it, each recorded in ``story_merges``;
* a group granted none is a new story: ``st_`` + 16 hex digits of the xxh64 of its smallest
  page_id (so a fresh warehouse built from the same pages names them alike), suffixed when that
  id was ever used before.

Ids are never reused: merged and gone stories keep their ``stories`` row with their status.
The whole step works on the membership frames (one row per article), never on bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
import xxhash

from winnow.warehouse.tables import query_frame

_MEMBER = {"page_id": pl.String, "story_id": pl.String}


@dataclass
class Assignment:
    """What naming the groups decided: every page's story, new ids, retired ids."""

    members: pl.DataFrame  # page_id, story_id, since_run_id, since
    created: pl.DataFrame  # story_id, founder (smallest page_id)
    merges: pl.DataFrame  # story_id (retired), merged_into, pages


def new_story_id(founder: str, taken: set[str]) -> str:
    """The id of a story first seen with ``founder`` as its smallest page_id, never in ``taken``."""
    base = "st_" + xxhash.xxh64_hexdigest(founder.encode("utf-8"))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _grants(claims: pl.DataFrame) -> pl.DataFrame:
    """Each previous id granted to one group: the group holding most of its previous members."""
    return (
        claims.sort(["story_id", "n", "group"], descending=[False, True, False])
        .group_by("story_id", maintain_order=True)
        .first()
    )


def assign(
    groups: pl.DataFrame,
    previous: pl.DataFrame,
    created_seq: dict[str, int],
    taken: set[str],
    run_id: str,
    now: datetime,
) -> Assignment:
    """Name each group of ``groups`` (page_id, group: the group's smallest page_id).

    ``previous`` is last run's ``story_members`` (page_id, story_id, since_run_id, since),
    ``created_seq`` the creation order of every active story, ``taken`` every id ever used.
    """
    prev = previous.select("page_id", "story_id", "since_run_id", "since")
    claims = (
        groups.join(prev.select("page_id", "story_id"), on="page_id", how="inner")
        .group_by("group", "story_id")
        .agg(pl.len().alias("n"))
    )
    granted = _grants(claims).with_columns(
        pl.col("story_id").replace_strict(created_seq, default=None).alias("seq")
    )
    ranked = granted.sort(["group", "seq", "story_id"], nulls_last=True)
    kept = ranked.group_by("group", maintain_order=True).first().select("group", "story_id")
    retired = (
        ranked.join(kept.rename({"story_id": "merged_into"}), on="group")
        .filter(pl.col("story_id") != pl.col("merged_into"))
        .select("story_id", "merged_into", pl.col("n").cast(pl.Int32).alias("pages"))
    )
    unnamed = sorted(set(groups["group"].unique()) - set(kept["group"]))
    used = set(taken)
    fresh = []
    for founder in unnamed:
        story_id = new_story_id(founder, used)
        used.add(story_id)
        fresh.append((founder, story_id))
    created = pl.DataFrame(fresh, schema={"group": pl.String, "story_id": pl.String}, orient="row")
    names = pl.concat([kept, created])
    members = (
        groups.join(names, on="group", how="left")
        .select("page_id", "story_id")
        .join(prev, on=["page_id", "story_id"], how="left")
        .with_columns(
            pl.col("since_run_id").fill_null(run_id),
            pl.col("since").fill_null(pl.lit(now)),
        )
        .sort("page_id")
    )
    return Assignment(
        members=members,
        created=created.rename({"group": "founder"}),
        merges=retired.sort("story_id"),
    )


#: Active stories' figures from their members: canonical member (earliest published, then
#: longest body, then smallest page_id), members, sites.
_STORY_FIGURES = """
    SELECT m.story_id,
           arg_min(m.page_id, (coalesce(a.published_at, DATE '9999-12-31'),
                              -coalesce(a.n_words, 0), m.page_id))
               AS canonical_page_id,
           count(*)::INTEGER AS members,
           count(DISTINCT a.site)::INTEGER AS sites
    FROM story_members m JOIN articles a USING (page_id)
    GROUP BY m.story_id
"""

_UPDATE_ACTIVE = """
    UPDATE stories s SET status = 'active', canonical_page_id = f.canonical_page_id,
        members = f.members, sites = f.sites, updated_run_id = $run_id
    FROM story_figures f
    WHERE s.story_id = f.story_id AND (s.status <> 'active'
        OR s.canonical_page_id IS DISTINCT FROM f.canonical_page_id
        OR s.members <> f.members OR s.sites <> f.sites)
"""

_RETIRE = """
    UPDATE stories SET status = CASE WHEN story_id IN (SELECT story_id FROM merges)
        THEN 'merged' ELSE 'gone' END, updated_run_id = $run_id
    WHERE status = 'active' AND story_id NOT IN (SELECT story_id FROM story_figures)
"""


def _register(con, frames: dict[str, pl.DataFrame]) -> None:
    for name, frame in frames.items():
        con.register(name, frame.to_arrow())


def name_stories(con, groups: pl.DataFrame, run_id: str, now: datetime) -> Assignment:
    """Name ``groups`` (page_id, group) and write ``story_members``, ``stories`` and
    ``story_merges`` (in the caller's transaction)."""
    previous = query_frame(con, "SELECT * FROM story_members")
    known = con.execute("SELECT story_id, status, created_seq FROM stories").fetchall()
    created_seq = {story: seq for story, status, seq in known if status == "active"}
    done = assign(groups, previous, created_seq, {s for s, _, _ in known}, run_id, now)
    _register(con, {"new_members": done.members, "created": done.created, "merges": done.merges})
    try:
        con.execute("DELETE FROM story_members").fetchall()
        con.execute("INSERT INTO story_members BY NAME SELECT * FROM new_members").fetchall()
        con.execute(
            "INSERT INTO stories SELECT c.story_id, 'active', NULL, 0, 0, "
            "(SELECT coalesce(max(created_seq), 0) FROM stories) + row_number() OVER "
            "(ORDER BY min(a.published_at) NULLS LAST, c.story_id), $run_id, $now, $run_id "
            "FROM created c JOIN story_members m USING (story_id) JOIN articles a USING (page_id) "
            "GROUP BY c.story_id",
            {"run_id": run_id, "now": now},
        ).fetchall()
        con.execute(
            "INSERT INTO story_merges SELECT story_id, merged_into, pages, $run_id, $now "
            "FROM merges",
            {"run_id": run_id, "now": now},
        ).fetchall()
        con.execute(f"CREATE OR REPLACE TEMP TABLE story_figures AS {_STORY_FIGURES}").fetchall()
        con.execute(_UPDATE_ACTIVE, {"run_id": run_id}).fetchall()
        con.execute(_RETIRE, {"run_id": run_id}).fetchall()
        con.execute("DROP TABLE story_figures").fetchall()
    finally:
        for name in ("new_members", "created", "merges"):
            con.unregister(name)
    return done
