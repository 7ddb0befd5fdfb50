"""Generate Winnow's fictional demo news corpus under ``data/demo/``.

    uv run python data/generate_demo.py [--out DIR]

Why: Winnow learns a per-site boilerplate model *across* the pages of a site (navigation, teaser
rails, cookie notices and footers repeat from page to page; article paragraphs do not). Real
crawls cannot be shipped with the repository, so this script writes a small, fully synthetic
corpus whose every string is produced here (templated grammar over word lists, seeded RNG, no
third-party text). It is used for the demo pipeline and as ground truth for the tests.

What it writes (the output folder is wiped and rewritten; reruns are byte-identical):

* three fictional sites with clearly different HTML templates:

  - ``www.harborgazette.example``: ``<article>`` + ``<p>``, ``<meta name=author>``,
    ``article:published_time``, a JSON-LD ``<script>`` that repeats the headline;
  - ``news.ridgelinepost.example``: ``<div class="story-body"><div class="para">``, the byline only
    in a visible "By …" element, the teaser rail placed *before* the story in the source, and a
    "Top Stories" rail where two of six teasers rotate by day;
  - ``valleyherald.example``: ``lang="en-GB"``, ``<section>`` with ``<p>`` inside nested divs,
    ``<time datetime=…>`` and no ``article:published_time``;

  each with a nav bar, a "Top Stories" rail of full article-like sentences, a "Most Watched" rail,
  a cookie notice, a footer and a copyright line; some pages add "Related articles" (titles of
  other articles of the site) and a reader-comments section;
* per site: 24 HTML article pages, 3 index pages (home, /news/, /sport/: chrome plus headline
  lists, no article) and 4 extra articles delivered only as plain-text dumps of the visible page
  (chrome included), one of them gzipped (``.txt.gz``);
* two syndicated stories (same headline and paragraphs on two sites with different chrome; one
  copy has an extra closing paragraph and a "…, Coastal Wire Service" byline).

Files under the output folder:

* ``<site>/<path>.html`` | ``.txt`` | ``.txt.gz`` - the pages, UTF-8 bytes;
* ``manifest.jsonl`` - ``page_id, file, url, site`` (+ ``format, sha256, bytes``), sorted by
  ``page_id``; also readable by dataset-style readers (``file`` is relative to the folder);
* ``truth.jsonl`` - ``page_id, site, kind, format, title, byline, date, paragraphs,
  syndication_group`` for every page (index pages: empty ``paragraphs``, null byline/date);
* ``gold.jsonl`` - the same truth in the shared benchmark's gold format (``body`` = paragraphs
  joined by newlines, ``title``/``byline``/``date``; index pages have an empty body);
* ``chrome.json`` - per site, the chrome strings (constant and rotating teasers, most watched,
  cookie notice, footer lines, nav labels).

No paragraph (and no body sentence) occurs in two different articles, except in the
syndicated pairs; no body sentence equals a chrome string.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SEED = 20260314
DEFAULT_OUT = Path(__file__).resolve().parent / "demo"
YEAR = 2026
MONTH = 3
HTML_ARTICLES_PER_SITE = 24
TXT_ARTICLES_PER_SITE = 4
WIRE_SERVICE = "Coastal Wire Service"

# fmt: off
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“])|(?<=[.!?]”)\s+(?=[A-Z“])")
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# ---------------------------------------------------------------------------------------------
# word lists

FIRST_NAMES = [
    "Amara", "Ben", "Catriona", "Dev", "Elena", "Farid", "Grace", "Hugo", "Imogen", "Jonah",
    "Keiko", "Liam", "Maya", "Nikhil", "Olwen", "Priya", "Quentin", "Rosa", "Samir", "Tamsin",
    "Uma", "Victor", "Wen", "Xavier", "Yasmin", "Zoe", "Aled", "Bea", "Conor", "Dina", "Ewan",
    "Freya", "Gideon", "Hana", "Isaac", "Jess", "Kofi", "Lena", "Marek", "Nadia", "Renée",
    "Joaquín", "Siobhan", "Tobias", "Ottilie", "Rhys",
]
SURNAMES = [
    "Ashworth", "Bellamy", "Calloway", "Dunmore", "Eskdale", "Fairweather", "Garroway",
    "Ingram", "Jessop", "Kettering", "Lowther", "Marlowe", "Northcott", "Oduya", "Pennington",
    "Radcliffe", "Sandoval", "Thackeray", "Underhill", "Varga", "Whitlock", "Yardley", "Zelenko",
    "Abernethy", "Brightwater", "Cole", "Dacosta", "Ellery", "Fenwick", "Gallagher", "Hartigan",
    "Iwu", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "O'Hare", "Petrakis", "Quayle",
    "Rowntree", "Szabo", "Trevelyan",
]
STREETS = [
    "Mill Lane", "Harbour Street", "Chapel Row", "Station Road", "Quarry Hill", "Orchard Way",
    "Ropewalk", "Castle Street", "Fore Street", "Bridge End", "Tanner's Yard", "Coronation Terrace",
    "Kiln Lane", "Ferry Road", "Market Place", "Willow Walk", "Church Lane", "Foundry Street",
]
SAINTS = ["Aidan", "Bride", "Cuthbert", "Hilda", "Oswin", "Petroc", "Winifred", "Columba"]
VENUE_FORMS = [
    "the town hall", "the community centre on {street}", "St {saint}'s church hall",
    "the {town} Institute", "the public library", "the Anchor Inn", "the cricket pavilion",
    "the village hall on {street}", "the old corn exchange",
]
TOWNS = {
    "harborgazette.example": [
        "Saltmarsh Quay", "Pelling Cove", "Harrowby", "Gullhaven", "Tarrant Sands",
        "Easterly Point", "Merrow Bay", "Coldwater Reach", "Wrenmouth", "Lanthorne",
    ],
    "ridgelinepost.example": [
        "Cragmoor", "Alder Ridge", "Thornfell", "High Brackton", "Ketterhill", "Stonegate",
        "Fernside", "Whitcombe Heights", "Barrowdale Edge", "Quarrington",
    ],
    "valleyherald.example": [
        "Willowmere", "Lower Ashcombe", "Brookhollow", "Millbury Green", "Denholme Vale", "Otterby",
        "Kingsmere Bridge", "Hartwell St Mary", "Little Sedgecombe", "Rushford",
    ],
}
RIVERS = {
    "harborgazette.example": ["River Tarrant", "Gull Water"],
    "ridgelinepost.example": ["River Crag", "Brackton Beck"],
    "valleyherald.example": ["River Wend", "Otter Brook"],
}
LEAGUES = {
    "harborgazette.example": ["Coastal League", "South Shore League"],
    "ridgelinepost.example": ["Hillside Senior League", "Fell Counties League"],
    "valleyherald.example": ["Wend Valley League", "Vale Combination League"],
}
MASCOTS = [
    "Rovers", "Athletic", "Harriers", "Mariners", "Wanderers", "Swifts", "Town", "Corinthians",
    "Rangers", "Albion", "Dynamos", "Otters",
]
BUS_COMPANIES = ["Tidewater Coaches", "Greenline Valley Buses", "Ridgeway Connect", "Wend Rail"]
STORM_NAMES = ["Isolde", "Bartholomew", "Corran", "Delphine", "Evander", "Fenella", "Gethin"]
CHARITIES = ["the local hospice", "the lifeboat fund", "the food bank", "the air ambulance",
             "the mountain rescue team", "the children's ward appeal"]
HARDSHIPS = [
    "two major floods", "the closure of its only bank", "long delays on the main road",
    "the loss of its Sunday bus service", "a string of shop closures",
    "months of roadworks in the centre", "a fire at the old mill",
]

# ---------------------------------------------------------------------------------------------
# topics: headline templates, lede and body sentence templates, quotes, roles

# a speaker's first appearance gets full name and role; later ones the surname
QUOTE_FORMS_INTRO = [
    "“{q},” said {sp}, {sr}.",
    "{sp}, {sr}, said: “{q}.”",
    "Speaking after {event}, {sp}, {sr}, said: “{q}.”",
]
QUOTE_FORMS_AGAIN = [
    "“{q},” {spl} told {paper}.",
    "“{q},” said {spl}.",
    "“{q},” {spl} said.",
    "Speaking after {event}, {spl} added: “{q}.”",
]
PEOPLE = ("p1", "p2", "p3")
# quote = opener + core; a quote's text is used at most once per site, so that no quotation
# repeats across the pages of a site (it would look like boilerplate to a cross-page model)
QUOTE_OPENERS = ["", "Honestly, ", "Look, ", "To be fair, ", "In the end, ", "For me, ",
                 "Put simply, ", "At the end of the day, ", "Frankly, ", "I will say this: "]

GENERIC_SENTENCES = [
    "The news was welcomed by several residents of {town2}, who said it would make a difference "
    "to them too.",
    "{town} has a population of about {pop}, and many families have lived there for generations.",
    "A spokesperson for {org} said a fuller statement would be issued later in the week.",
    "It follows a difficult winter for {town}, which saw {hardship}.",
    "{p3}, {r3}, said people in {town} had been talking about little else all week.",
    "The last time {town} saw anything like it was in {prev_year2}, according to {p3l}.",
    "The story has been shared widely on community pages for {town} and {town2} since {wd}.",
]
GENERIC_NOT_SPORT = [
    "Details of the plans can be seen at {venue2} during normal opening hours.",
    "A meeting to discuss the next steps will be held at {venue2} on {wd_next} at {clock}.",
    "Not everyone on {street} is convinced, with one shopkeeper describing the plans as "
    "“{doubt}”.",
]
DOUBTS = ["a lot of noise about nothing", "too little, too late", "a gamble",
          "wishful thinking", "the wrong answer to the right question", "a step in the dark"]

TOPICS: dict[str, dict[str, list[str]]] = {
    "council": {
        "things": [
            "the winter ferry timetable|extend the winter ferry timetable",
            "a residents' parking scheme|approve a residents' parking scheme",
            "repairs to the old stone bridge|fund repairs to the old stone bridge",
            "longer opening hours at the library|keep the library open later",
            "a weekly food waste collection|trial weekly food waste collections",
            "forty affordable homes on the former depot site|back homes on the old depot site",
            "a rise in allotment fees|raise allotment fees",
            "a 20 mph limit around the primary schools|cut speed limits near schools",
            "the restoration of the town hall clock|restore the town hall clock",
            "free Saturday parking in the market square|scrap Saturday parking charges",
            "new lighting along the riverside path|light the riverside path",
            "reopening the bus station toilets|reopen the bus station toilets",
            "a new skate park behind the leisure centre|build a skate park",
            "a ban on barbecues in the town's parks|ban barbecues in parks",
        ],
        "headlines": [
            "{town} councillors vote to {hv}",
            "Council in {town} agrees to {hv}",
            "{town} to {hv} after heated debate",
            "Plan to {hv} divides {town} residents",
            "{town} council moves to {hv}",
        ],
        "ledes": [
            "{org} voted by {votes} on {wd} evening in favour of {thing}, ending months of debate "
            "in the chamber.",
            "Members of {org} have approved {thing} after a meeting at {venue} that lasted nearly "
            "{hours} hours.",
            "Residents of {town} will see {thing} go ahead after {org} backed the proposal by "
            "{votes} on {wd}.",
        ],
        "body": [
            "The scheme is expected to cost around {money1}, most of which will come from reserves "
            "set aside in {prev_year}.",
            "Opposition members argued that the money would be better spent on {alt}.",
            "Councillor {p2} said the decision had been rushed and called for a fuller "
            "consultation with residents in {town2}.",
            "A public consultation earlier this year drew {n2} responses, the largest number the "
            "council has received on a single issue since {prev_year2}.",
            "Officers told the meeting that work could begin as early as {month_next} if "
            "contractors are appointed in time.",
            "Campaigners who packed the public gallery at {venue} applauded when the result was "
            "announced.",
            "The council's finance report warned that {thing} would need a further review within "
            "{n_small_w} months.",
            "Several speakers raised concerns about the effect on {affected}, particularly "
            "{affected_when}.",
            "A petition signed by {n2b} people had urged the council to act before the summer.",
            "{p1l} said the authority would publish a timetable for the work on its website by "
            "{deadline}.",
            "The proposal will now go to the district's {committee} committee for final approval "
            "on {wd_next}.",
            "It is the {ordinal_time} time in {n_years} years that the question has come before "
            "the council.",
            "Business owners on {street} said they had not been told about the plan until "
            "{wd} morning.",
            "The meeting heard that neighbouring {town2} introduced a similar scheme in "
            "{prev_year} with mixed results.",
            "An amendment asking for a cheaper option was defeated by {votes_b}.",
        ],
        "quotes": [
            "This is a sensible compromise that the whole of {town} can live with",
            "We listened to residents, and this is what they asked us to do",
            "Nobody pretends this is cheap, but doing nothing would cost far more",
            "I have sat on this council for {n_small_w} years and never seen the chamber so full",
            "The numbers simply do not add up, and I worry we will regret this",
            "People in {town} have waited long enough for a decision",
            "We will keep a close eye on how it works in the first six months",
            "It is a good day for {town}, but the hard work starts now",
        ],
        "r1": ["the council leader", "the cabinet member for transport",
               "chair of the planning committee", "the deputy mayor"],
        "r2": ["an opposition councillor", "a long-standing resident",
               "a spokesperson for the residents' association"],
        "r3": ["who lives on {street}", "a retired teacher from {town2}",
               "who runs a café on {street}", "a member of the {town} Civic Society"],
    },
    "school": {
        "things": [
            "a new science block", "a rooftop vegetable garden", "a breakfast club for every pupil",
            "an after-school coding club", "a larger sports hall", "a walking bus scheme",
            "a community reading room", "solar panels on the main building", "a school orchestra",
            "a new adventure playground", "a forest school in the old paddock",
            "a sensory room for younger pupils", "free swimming lessons for every class",
        ],
        "headlines": [
            "{school} unveils plans for {thing}",
            "Pupils at {school} to get {thing}",
            "{town} school wins backing for {thing}",
            "Parents welcome {thing} at {school}",
            "Fundraising begins for {thing} at {school}",
        ],
        "ledes": [
            "{school} in {town} has announced plans for {thing}, which head teacher {p1} said had "
            "been requested by pupils and parents alike.",
            "Pupils at {school} will soon have {thing}, after governors approved the plan at a "
            "meeting on {wd}.",
            "Work on {thing} at {school} is due to start in {month_next}, the school told parents "
            "in a letter on {wd}.",
        ],
        "body": [
            "The project is expected to cost {money1} and will be paid for through a mix of "
            "grants and fundraising.",
            "Pupils presented their own designs to governors at an assembly on {wd} morning.",
            "The school has {n_mid} pupils on its roll, up from {n_lower} five years ago.",
            "Governors hope the work will be finished before the start of the {term} term.",
            "A cake sale organised by the parents' association last month raised {money_small} "
            "towards the cost.",
            "{p2}, who chairs the board of governors, said the school had been careful to keep "
            "disruption to lessons to a minimum.",
            "Inspectors rated {school} as good at their last visit in {prev_year}, praising the "
            "{praise}.",
            "Year {year_group} pupils have already started keeping a diary of the project for a "
            "class assignment.",
            "The local authority said it would contribute {money_small2} towards the scheme.",
            "Some neighbours have raised concerns about construction traffic on {street} during "
            "the school run.",
            "Former pupils of {school} have been invited to an open day on {wd_next} to see the "
            "plans.",
            "Teachers say {thing} will help the school offer more activities outside normal "
            "lessons.",
            "A similar project at a school in {town2} has been credited with improving attendance "
            "by {pct} per cent.",
        ],
        "quotes": [
            "The children have been asking for this for years, and they deserve it",
            "It shows what a small school can achieve when everyone pulls together",
            "We want every child in {town} to have the same chances",
            "My daughter talks about nothing else at the dinner table",
            "There is still a lot of fundraising to do, but we are well on our way",
            "Our teachers have put in hours of their own time to make this happen",
        ],
        "r1": ["the head teacher", "head teacher at {school}"],
        "r2": ["the chair of governors"],
        "r3": ["a parent of two pupils at the school", "who lives opposite the school gates",
               "a former pupil", "a lollipop warden on {street} for {n_years} years"],
    },
    "weather": {
        "things": [
            "heavy rain", "gales", "freezing fog", "hail and thunder", "snow showers",
            "strong winds and high tides", "a sharp overnight frost", "torrential downpours",
        ],
        "headlines": [
            "{storm} brings {thing} to {town}",
            "Roads closed as {thing} hits {town}",
            "{town} clears up after a night of {thing}",
            "Warning issued for {town} as {storm} approaches",
            "Disruption in {town} and {town2} after {thing}",
        ],
        "ledes": [
            "{storm} brought {thing} to {town} on {wd}, closing roads and cutting power to "
            "hundreds of homes.",
            "Residents of {town} woke to {thing} on {wd} as {storm} swept in from the west.",
            "Forecasters had warned of {thing}, but few in {town} expected {storm} to arrive "
            "so quickly on {wd}.",
        ],
        "body": [
            "Gusts of up to {n_wind} miles per hour were recorded on the exposed ground above "
            "{town} overnight.",
            "The {river} rose by more than {n_small_w} feet in {hours} hours, according to "
            "readings from the gauge at {town2}.",
            "The road between {town} and {town2} was closed for much of {wd} morning.",
            "Emergency crews responded to {n_calls} calls about fallen trees and blocked drains.",
            "Schools in {town2} opened late to allow staff and pupils to travel safely.",
            "Residents of {street} were urged to check on elderly neighbours and avoid unnecessary "
            "journeys.",
            "Power was cut to about {n2} homes for part of the day before engineers restored "
            "supplies.",
            "Farmers on the edge of {town} said it was the {superl} spell of weather they could "
            "remember in {month_name}.",
            "{bus_co} cancelled {n_small_w} services on {wd} and warned of further delays.",
            "Volunteers handed out sandbags from the car park at {venue} on {wd} afternoon.",
            "Rainfall totals for the month are already {pct} per cent above the long-term average "
            "for {town}.",
            "The regional weather service issued a yellow warning covering {town} and the "
            "surrounding area until {wd_next}.",
            "{p2}, {r2}, said the drains on {street} had not been cleared since {prev_year}.",
            "Insurers have set up a temporary help desk at {venue} for households in {town}.",
        ],
        "quotes": [
            "We have not seen water this high on {street} since I was a child",
            "Nobody should drive through floodwater, however shallow it looks",
            "The next forty-eight hours in {town} will be the most difficult",
            "Our crews have been working through the night and they have been magnificent",
            "The garden is ruined, but at least the house stayed dry",
            "It is the kind of weather that reminds you how exposed {town} really is",
        ],
        "r1": ["a forecaster at the regional weather centre", "a meteorologist",
               "the district's emergency planning officer"],
        "r2": ["a local councillor", "a long-standing resident", "the parish clerk"],
        "r3": ["who has farmed near {town} for {n_years} years", "who lives on {street}",
               "a lifeboat volunteer", "the landlord of the Anchor Inn"],
    },
    "sport": {
        "things": ["football", "hockey"],
        "headlines": [
            "{club} beat {rival} to climb the {league} table",
            "{club} edge {rival} in {league} thriller",
            "{club} keep up {league} challenge against {rival}",
            "{club} see off {rival} at {ground}",
            "{club} too strong for {rival} at {ground}",
        ],
        "ledes": [
            "{club} beat {rival} {s1}–{s2} at {ground} on {wd} to move {pos} in the {league}.",
            "{club} beat {rival} {s1}–{s2} in a {adj} {thing} match at {ground} on {wd}.",
        ],
        "body": [
            "{scorer} opened the scoring after {min1} minutes, finishing calmly after a quick "
            "break down the {side}.",
            "{rscorer} pulled a goal back for {rival} shortly after half-time, but {club} held on.",
            "{scorer} made sure of the win in the {min2_ord} minute after good work from {mate}.",
            "A crowd of {n_mid} braved the {weather_small} at {ground}.",
            "{p1}, {r1}, said afterwards that the result was reward for weeks of hard work on the "
            "training pitch.",
            "{club} have now won {w_w} of their last {n_games_w} matches in all competitions.",
            "The club's junior section, which has more than {n_mid2} members, provided the mascots "
            "for the afternoon.",
            "Goalkeeper {gk} made a string of fine saves in the final quarter of an hour to "
            "protect the lead.",
            "{rival} had {bookings} players booked in a bad-tempered second half.",
            "Their next match is away at {rival2} on {wd_next}.",
            "Club volunteers spent the morning clearing standing water from the pitch at {ground} "
            "so the game could go ahead.",
            "{rival} had the better of the opening exchanges, with {rscorer} hitting the post "
            "from close range.",
            "Injuries meant {club} started with {n_young} players under the age of twenty.",
            "The win leaves {club} {pts} points clear of {rival2} with {left} games to play.",
        ],
        "quotes": [
            "I am proud of every one of them, they never stopped running",
            "We made it hard for ourselves, but a win is a win",
            "The supporters were brilliant and they carried us through the last ten minutes",
            "There is plenty to work on before {wd_next}",
            "That is the best we have played all season",
            "Credit to {rival}, they made us fight for every ball",
        ],
        "r1": ["the {club} head coach", "the {club} manager"],
        "r2": ["the club chairman", "the {club} captain", "the club's welfare officer"],
        "r3": ["a supporter for more than {n_years} years", "the club secretary",
               "who has run the tea bar at {ground} since {prev_year2}"],
    },
    "business": {
        "things": [
            "a second shop in {town2}", "a new production line", "a café next to the main shop",
            "an apprenticeship scheme for school leavers", "a move to larger premises on {street}",
            "an online delivery service", "a factory shop on {street}", "a four-day working week",
            "a visitor centre and tasting room", "an electric delivery van fleet",
        ],
        "headlines": [
            "{biz} announces {thing}",
            "{town} firm {biz} plans {thing}",
            "Family-run {biz} bets on {thing}",
            "Good news for {town} as {biz} unveils {thing}",
        ],
        "ledes": [
            "{biz}, which has traded in {town} since {founded}, is to open {thing}, creating "
            "{n_jobs} jobs.",
            "{biz} in {town} has announced plans for {thing}, its biggest investment in more than "
            "a decade.",
            "One of {town}'s oldest employers, {biz}, said on {wd} that it would press ahead with "
            "{thing}.",
        ],
        "body": [
            "Owner {p1} said demand had grown steadily since the business began selling online "
            "during the winter of {prev_year}.",
            "The firm employs {n_mid} people, most of whom live within a few miles of {town}.",
            "Planning permission for the work was granted by the district council in "
            "{prev_month}.",
            "The company's turnover rose to {money2} last year, according to accounts filed in "
            "{prev_month}.",
            "Neighbouring traders on {street} welcomed the news, saying more visitors would "
            "benefit the whole street.",
            "A local bank has provided a loan of {money1} to help fund the expansion.",
            "{p2}, {r2}, said {town} needed more businesses willing to invest in the high street.",
            "Recruitment for the new roles will begin in {month_next}, with an open day planned "
            "at {venue}.",
            "The business was started by {p1l}'s grandparents in {founded} in a rented shed "
            "behind the railway station.",
            "Rising energy costs had forced the company to rethink its plans in {prev_year}.",
            "Customers will be able to see the changes at a launch event on the first Saturday "
            "of {month_next}.",
            "About {pct} per cent of the firm's sales now come from outside {town}.",
        ],
        "quotes": [
            "We have always believed in {town}, and this is our way of showing it",
            "It has been a tough few years, but people have kept coming through the door",
            "Every penny we make goes back into the business and into {town}",
            "My grandmother would be amazed to see how far we have come",
            "We want young people to see that there is a future for them in {town}",
            "If the high street is going to survive, businesses like ours have to take a chance",
        ],
        "r1": ["the managing director", "the owner", "who runs the firm with {p1_sib}"],
        "r2": ["chair of the {town} Chamber of Trade", "a local councillor"],
        "r3": ["a customer for {n_years} years", "who runs the newsagent on {street}",
               "a former employee"],
    },
    "community": {
        "things": [
            "the spring lantern parade", "a new community orchard", "a repair café",
            "the annual duck race", "an outdoor cinema season", "a community fridge",
            "a heritage trail", "a book festival", "the restored bandstand", "a tool library",
            "a night market", "a choir for carers",
        ],
        "headlines": [
            "Volunteers in {town} launch {thing}",
            "{town} prepares for {thing}",
            "Hundreds expected for {thing} in {town}",
            "{town} group wins grant for {thing}",
        ],
        "ledes": [
            "Organisers of {thing} in {town} say more than {n2} people are expected to take part "
            "this year.",
            "Volunteers in {town} have spent the winter preparing {thing}, which opens to the "
            "public on {wd_next}.",
            "A grant of {money_small3} will help a group of neighbours in {town} set up {thing}.",
        ],
        "body": [
            "The idea began with a conversation between neighbours at {venue} last {season}.",
            "{p1}, {r1}, said the group had been overwhelmed by offers of help from {town2}.",
            "The district's community fund has awarded {money_small2} to cover equipment and "
            "insurance.",
            "Local businesses have donated {donation}, and a team of {n_vol} volunteers meets "
            "every {wd_next} evening.",
            "The {town} Silver Band will play at the opening on {wd_next}.",
            "Organisers are still looking for volunteers on {street} to help with stewarding and "
            "first aid.",
            "Last year's event raised {money_small} for {charity}.",
            "Pupils from {school} have been working on artwork for the event since {prev_month}.",
            "Parking will be limited in the centre of {town}, and visitors are encouraged to walk "
            "or take the bus from {town2}.",
            "The parish council has agreed to close {street} to traffic for the afternoon.",
            "Anyone who would like to take part can sign up at {venue2} until {deadline}.",
        ],
        "quotes": [
            "It is lovely to see people of all ages in {town} getting involved",
            "We started with a handful of us and a kettle, and look at it now",
            "This is what {town} does best, people looking out for each other",
            "If it stays dry, it could be the biggest year yet",
            "We could not do it without the volunteers, every single one of them",
            "I hope people come along, even if they only stay for an hour",
        ],
        "r1": ["who chairs the organising committee", "one of the founders",
               "the group's treasurer"],
        "r2": ["a local councillor", "the parish clerk", "a long-standing resident"],
        "r3": ["who has lived in {town} all her life", "a volunteer since {prev_year2}",
               "who lives on {street}"],
    },
}
DEKS = {
    "council": [
        "What the decision on {thing} means for {town}, and what happens next.",
        "{p1} explains why {town} councillors backed {thing}.",
        "Reaction from {street} to {town2} after the vote on {thing}.",
    ],
    "school": [
        "Governors at {school} say {thing} could be ready within a year.",
        "Parents and pupils react to plans for {thing} in {town}.",
        "{p1} on why {school} is investing in {thing}.",
    ],
    "weather": [
        "How {town} coped with {thing} as {storm} passed through.",
        "Pictures and reports from {town} and {town2} after a day of {thing}.",
        "What the forecasters expect in {town} after {thing} on {wd}.",
    ],
    "sport": [
        "Match report: {club} {s1}, {rival} {s2} at {ground}.",
        "{scorer} stars as {club} keep up the pressure in the {league}.",
        "How {club} got the better of {rival} on a {weather_adj} afternoon.",
    ],
    "business": [
        "Why {biz} is betting on {thing} in {town}.",
        "{p1} explains the thinking behind {thing} at {biz}.",
        "What {thing} means for jobs in {town}.",
    ],
    "community": [
        "Meet the volunteers behind {thing} in {town}.",
        "Everything you need to know about {thing} in {town}.",
        "How a conversation on {street} led to {thing} in {town}.",
    ],
}
TOPIC_SECTION = {
    "council": "news", "school": "news", "community": "news", "weather": "weather",
    "business": "business", "sport": "sport",
}
# Per-site topic mix of the site's own articles (HTML + text); sport >= 6 for the /sport/ index.
TOPIC_PLAN = ["sport"] * 6 + ["council"] * 5 + ["school"] * 4 + ["weather"] * 4 + \
    ["business"] * 4 + ["community"] * 5

COMMENT_OPENERS = ["Great to see this.", "About time.", "Not convinced.", "Well said.",
                   "Interesting read.", "Hmm.", "Good news at last.", "Sad to read this."]
COMMENT_CORES = [
    "The parking on {street} has been a nightmare for years.",
    "Hope someone in {town} listens this time.",
    "My kids grew up in {town2} and loved it there.",
    "Will believe it when I see it on {street}.",
    "Who is paying for all this, though?",
    "Brilliant effort from everyone in {town}.",
    "Any word on the bus times from {town2}?",
    "We moved to {town} in {prev_year2} and it has changed a lot since.",
    "Same thing happened in {town2} and nobody learned anything.",
]
COMMENT_HANDLES = ["harbourwatcher", "fellwalker62", "quietresident", "old_mill_fan",
                   "northpier", "rosehip", "tidesandtimes", "valleyvoice", "ridgerunner"]


# fmt: on
# ---------------------------------------------------------------------------------------------
# sites


@dataclass
class Site:
    key: str  # registered domain
    host: str
    short: str  # page-id prefix
    brand: str
    lang: str
    nav: list[str]
    teasers_constant: list[str]
    teasers_rotating: list[str]
    most_watched: list[str]
    cookie: str
    footer_links: list[str]
    copyright: str
    reporters: list[str] = field(default_factory=list)

    def teasers_for(self, day: date) -> list[str]:
        """The Top Stories rail on a page dated ``day`` (rotating teasers at slots 1 and 4)."""
        teasers = list(self.teasers_constant)
        if self.teasers_rotating:
            n = len(self.teasers_rotating)
            i = day.toordinal() % n
            teasers.insert(1, self.teasers_rotating[i])
            teasers.insert(4, self.teasers_rotating[(i + 3) % n])
        return teasers

    def footer_lines(self) -> list[str]:
        return [*self.footer_links, self.copyright]


# fmt: off
SITES = [
    Site(
        key="harborgazette.example",
        host="www.harborgazette.example",
        short="harborgazette",
        brand="The Harbor Gazette",
        lang="en",
        nav=["Home", "News", "Sport", "Business", "Weather", "Opinion", "Video"],
        teasers_constant=[
            "The city council voted on Tuesday to extend the harbour ferry service through the "
            "winter months.",
            "Fishermen in Pelling Cove say a late run of mackerel has rescued what looked like a "
            "poor season.",
            "A volunteer crew spent the weekend repainting the Gullhaven lighthouse ahead of its "
            "150th anniversary.",
            "Parents have launched a petition to save the school bus route between Harrowby and "
            "Easterly Point.",
            "The Saltmarsh Quay fish market will move to a new covered hall on the north pier next "
            "spring.",
            "Coastguard officers are urging walkers to check tide times after two rescues on "
            "Tarrant Sands this month.",
        ],
        teasers_rotating=[],
        most_watched=[
            "Watch: Drone footage of the storm surge at Merrow Bay",
            "Video: Inside the restored lifeboat station at Wrenmouth",
            "Highlights: Harrowby Mariners v Lanthorne Athletic",
            "Watch: Seal pup returned to the sea at Easterly Point",
            "Video: The last ferry crossing of the season",
        ],
        cookie="We use cookies to improve your experience on our site and to show you relevant "
        "advertising. By continuing to browse, you agree to our use of cookies.",
        footer_links=["Submit a correction", "Contact us", "Terms", "Privacy policy",
                      "Advertise with us"],
        copyright="© 2026 Harbor Gazette Media. All rights reserved.",
    ),
    Site(
        key="ridgelinepost.example",
        host="news.ridgelinepost.example",
        short="ridgelinepost",
        brand="Ridgeline Post",
        lang="en",
        nav=["News", "Sport", "Farming", "Business", "Outdoors", "Weather", "Obituaries"],
        teasers_constant=[
            "Snow ploughs were out before dawn on Thursday as the first heavy fall of the season "
            "closed the Stonegate Pass.",
            "The Cragmoor quarry has been granted permission to extend its working hours until "
            "the end of the year.",
            "A mountain rescue team from Thornfell has taken delivery of a new all-terrain vehicle "
            "paid for by local donations.",
            "Hill farmers say rising feed prices are forcing them to sell livestock earlier than "
            "usual this spring.",
        ],
        teasers_rotating=[
            "Alder Ridge library will close for two weeks while volunteers replace the roof over "
            "the children’s room.",
            "A new bus link between Fernside and Ketterhill will run on weekdays from the start "
            "of next month.",
            "Police have appealed for witnesses after a tractor was taken from a farmyard near "
            "High Brackton overnight.",
            "The Whitcombe Heights choir has been invited to sing at a national festival for the "
            "first time in its history.",
            "Engineers say repairs to the landslip on the Quarrington road will take at least "
            "another six weeks.",
            "A former railway tunnel near Barrowdale Edge could become a walking and cycling "
            "route under a new proposal.",
            "The annual fell race from Cragmoor to Thornfell drew a record field of more than "
            "four hundred runners.",
            "Residents of Stonegate have been asked to boil drinking water after a burst main on "
            "the high road.",
        ],
        most_watched=[
            "Watch: Sheepdog trials on the Ketterhill show field",
            "Video: The view from the top of the Stonegate Pass in a blizzard",
            "Highlights: Cragmoor Harriers v Fernside Rovers",
            "Watch: How the quarry blasts are monitored",
        ],
        cookie="This website stores cookies on your device. These are used to collect "
        "information about how you interact with our website and allow us to remember you.",
        footer_links=["About us", "Contact us", "Submit a correction", "Terms",
                      "Cookie settings"],
        copyright="Copyright © 2026 Ridgeline Post Ltd.",
    ),
    Site(
        key="valleyherald.example",
        host="valleyherald.example",
        short="valleyherald",
        brand="The Valley Herald",
        lang="en-GB",
        nav=["Home", "Local news", "Sport", "Business", "What’s on", "Weather", "Letters"],
        teasers_constant=[
            "Willowmere’s historic watermill will reopen to visitors at Easter after a two-year "
            "restoration.",
            "The River Wend burst its banks near Otterby for the second time this winter, "
            "flooding several fields.",
            "A new pedestrian bridge linking Lower Ashcombe and Brookhollow is due to open in the "
            "summer.",
            "Shoppers in Rushford have backed plans to pedestrianise the market square on "
            "Saturdays.",
            "The Valley Herald’s annual community awards are open for nominations until the end "
            "of April.",
            "Health officials say the new surgery in Millbury Green will take on patients from "
            "three neighbouring villages.",
        ],
        teasers_rotating=[],
        most_watched=[
            "Watch: Kingfishers nesting on the River Wend",
            "Video: Behind the scenes at the Brookhollow cheese fair",
            "Highlights: Otterby Wanderers v Rushford Town",
            "Watch: The watermill wheel turns for the first time in decades",
        ],
        cookie="The Valley Herald uses cookies and similar technologies to personalise content, "
        "measure traffic and support our journalism. You can change your preferences at any "
        "time.",
        footer_links=["Contact us", "Submit a correction", "Terms and conditions",
                      "Accessibility", "Jobs at the Herald"],
        copyright="© The Valley Herald 2026. All rights reserved.",
    ),
]
SITE_BY_KEY = {s.key: s for s in SITES}
# fmt: on


# ---------------------------------------------------------------------------------------------
# text helpers


def typo(s: str) -> str:
    """Typographic apostrophes (all straight single quotes in our templates are apostrophes)."""
    return s.replace("'", "’")


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def slugify(title: str, words: int = 6) -> str:
    ascii_only = title.replace("’", "").replace("'", "").encode("ascii", "ignore").decode()
    toks = re.findall(r"[a-z0-9]+", ascii_only.lower())
    return "-".join(toks[:words])


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def money(rng: random.Random, lo: int, hi: int) -> str:
    v = rng.randint(lo, hi)
    if v >= 1_000_000:
        return f"£{v / 1_000_000:.1f}".removesuffix(".0") + " million"
    step = 50 if v < 20_000 else 1000
    return f"£{v // step * step:,}"


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def fill(template: str, ctx: dict[str, str]) -> str:
    # two passes: context values may themselves hold {town}, {street}, ... placeholders
    return template.format(**ctx).format(**ctx)


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def attr(s: str) -> str:
    return html.escape(s, quote=True)


def fmt_long(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


# ---------------------------------------------------------------------------------------------
# articles


@dataclass
class Article:
    site: Site
    topic: str
    title: str
    dek: str
    byline: str
    byline_display: str  # text after "By "
    day: date
    clock: str  # HH:MM
    section: str
    paragraphs: list[str]
    fmt: str = "html"  # html | txt
    gz: bool = False
    syndication_group: str | None = None
    page_id: str = ""
    path: str = ""  # URL path
    file: str = ""  # relative to the output folder
    related: list[Article] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{self.site.host}{self.path}"


@dataclass
class IndexPage:
    site: Site
    name: str  # home | news | sport
    title: str
    day: date  # capture day (drives the rotating teasers)
    items: list[Article]
    page_id: str = ""
    path: str = ""
    file: str = ""

    @property
    def url(self) -> str:
        return f"https://{self.site.host}{self.path}"


class Writer:
    """Builds article contexts and text, enforcing global uniqueness of sentences and titles."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_sentences: set[str] = set()
        self.used_titles: set[str] = set()
        self.used_deks: set[str] = set()
        self.reserved: set[str] = set()  # chrome strings body text must never equal
        self.used_quotes: set[tuple[str, str]] = set()  # (site, quote text)

    def person(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES)
        return f"{first} {last}", last

    def context(self, site_key: str, topic: str, day: date, paper: str) -> dict[str, str]:
        rng = self.rng
        towns = TOWNS[site_key]
        town, town2 = rng.sample(towns, 2)
        (p1, p1l), (p2, p2l), (p3, p3l) = self.person(), self.person(), self.person()
        street = rng.choice(STREETS)
        yesterday = day - timedelta(days=1)
        a = rng.randint(7, 15)
        b = rng.randint(1, a - 2)
        c = rng.randint(5, 12)
        d = rng.randint(c + 1, 16)
        ctx: dict[str, str] = {
            "site_key": site_key,
            "town": town,
            "town2": town2,
            "street": street,
            "saint": rng.choice(SAINTS),
            "p1": p1,
            "p1l": p1l,
            "p2": p2,
            "p2l": p2l,
            "p3": p3,
            "p3l": p3l,
            "p1_sib": f"{rng.choice(['her', 'his'])} {rng.choice(['brother', 'sister', 'cousin'])}",
            "wd": WEEKDAYS[yesterday.weekday()],
            "wd_next": WEEKDAYS[(day.weekday() + rng.randint(2, 5)) % 7],
            "month_name": MONTHS[day.month - 1],
            "month_next": MONTHS[day.month + rng.randint(0, 3)],
            "prev_month": rng.choice(["January", "February", "November", "December"]),
            "prev_year": str(rng.randint(2019, 2024)),
            "prev_year2": str(rng.randint(1978, 2015)),
            "founded": str(rng.randint(1888, 1994)),
            "votes": f"{a} votes to {b}",
            "votes_b": f"{d} votes to {c}",
            "hours": rng.choice(["two", "three", "four", "five"]),
            "n_small_w": rng.choice(["three", "four", "five", "six", "seven", "eight", "nine"]),
            "n_years": str(rng.randint(11, 46)),
            "n_mid": str(rng.randint(60, 480)),
            "n_mid2": str(rng.randint(80, 350)),
            "n_lower": str(rng.randint(40, 59)),
            "n2": f"{rng.randint(120, 2900):,}",
            "n2b": f"{rng.randint(300, 4800):,}",
            "n_calls": str(rng.randint(14, 95)),
            "n_wind": str(rng.randint(52, 86)),
            "n_jobs": str(rng.randint(6, 48)),
            "n_vol": str(rng.randint(8, 40)),
            "pct": str(rng.randint(11, 64)),
            "pop": f"{rng.randint(18, 290) * 100:,}",
            "money1": money(rng, 45_000, 2_600_000),
            "money2": money(rng, 400_000, 9_000_000),
            "money_small": money(rng, 700, 14_000),
            "money_small2": money(rng, 1_500, 19_000),
            "money_small3": money(rng, 2_000, 9_000),
            "alt": rng.choice(
                [
                    "pothole repairs",
                    "youth services",
                    "the ageing swimming pool",
                    "rural bus routes",
                    "flood defences",
                    "support for small traders",
                ]
            ),
            "affected": rng.choice(
                [
                    "elderly residents",
                    "shift workers",
                    "market traders",
                    "families with young children",
                    "people without a car",
                ]
            ),
            "affected_when": rng.choice(
                ["during the winter", "at weekends", "in the early morning", "on market days"]
            ),
            "committee": rng.choice(
                ["planning", "transport", "finance", "scrutiny", "environment"]
            ),
            "ordinal_time": rng.choice(["second", "third", "fourth"]),
            "deadline": rng.choice(
                ["the end of the month", "Easter", "the end of April", "the summer holidays"]
            ),
            "term": rng.choice(["autumn", "summer"]),
            "praise": rng.choice(
                [
                    "quality of its reading lessons",
                    "behaviour of its pupils",
                    "range of clubs on offer",
                    "support for pupils with additional needs",
                ]
            ),
            "year_group": str(rng.randint(3, 11)),
            "superl": rng.choice(["wettest", "coldest", "windiest", "strangest", "gloomiest"]),
            "bus_co": rng.choice(BUS_COMPANIES),
            "river": rng.choice(RIVERS[site_key]),
            "storm": f"Storm {rng.choice(STORM_NAMES)}",
            "season": rng.choice(["summer", "autumn"]),
            "donation": rng.choice(
                [
                    "tools and timber",
                    "food and drink for helpers",
                    "printing for the posters",
                    "the use of a van",
                ]
            ),
            "charity": rng.choice(CHARITIES),
            "hardship": rng.choice(HARDSHIPS),
            "doubt": rng.choice(DOUBTS),
            "clock": rng.choice(["6.30pm", "7pm", "7.30pm", "10am", "2pm"]),
            "paper": paper,
            "school": rng.choice(
                [
                    f"{town} Primary School",
                    f"St {rng.choice(SAINTS)}'s Academy",
                    f"{town} High School",
                    f"{rng.choice(SURNAMES)} Community College",
                ]
            ),
        }
        venue_forms = rng.sample(VENUE_FORMS, 2)
        ctx["venue"] = fill(venue_forms[0], ctx)
        ctx["venue2"] = fill(venue_forms[1], ctx)
        ctx["org"] = {
            "council": f"{town} Town Council",
            "school": "{school}",
            "weather": "the district council",
            "sport": "{club}",
            "business": "{biz}",
            "community": "the organisers",
        }[topic]
        ctx["event"] = {
            "council": "the meeting",
            "school": "the announcement",
            "weather": "a briefing",
            "sport": "the final whistle",
            "business": "the announcement",
            "community": "a planning session",
        }[topic]
        # topic-specific values
        if topic == "sport":
            mascot, mascot2, mascot3 = rng.sample(MASCOTS, 3)
            town3 = rng.choice([t for t in towns if t not in (town, town2)])
            weather = rng.choice(
                [("cold", "bitter"), ("drizzle", "drizzly"), ("wind", "blustery"), ("sleet", "raw")]
            )
            s2 = rng.randint(1, 3)
            s1 = s2 + rng.randint(1, 2)
            games = rng.randint(5, 10)
            (scorer, scorer_l), (rscorer, _), (gk, _), (mate, _) = (
                self.person(),
                self.person(),
                self.person(),
                self.person(),
            )
            ctx.update(
                {
                    "club": f"{town} {mascot}",
                    "rival": f"{town2} {mascot2}",
                    "rival2": f"{town3} {mascot3}",
                    "league": rng.choice(LEAGUES[site_key]),
                    "ground": rng.choice(
                        [
                            f"{rng.choice(SURNAMES)} Park",
                            f"the {town} Recreation Ground",
                            "Victoria Meadow",
                            f"{town} Lane",
                        ]
                    ),
                    "s1": str(s1),
                    "s2": str(s2),
                    "scorer": scorer,
                    "scorer_l": scorer_l,
                    "rscorer": rscorer,
                    "gk": gk,
                    "mate": mate,
                    "pos": rng.choice(["up to second", "up to third", "top", "up to fourth"]),
                    "adj": rng.choice(
                        ["hard-fought", "scrappy", "rain-soaked", "bruising", "tense", "lively"]
                    ),
                    "min1": str(rng.randint(4, 38)),
                    "min2_ord": ordinal(rng.randint(70, 89)),
                    "side": rng.choice(["left", "right"]),
                    "weather_small": weather[0],
                    "weather_adj": weather[1],
                    "w_w": number_word(rng.randint(3, games - 1)),
                    "n_games_w": number_word(games),
                    "bookings": rng.choice(["two", "three", "four"]),
                    "n_young": rng.choice(["two", "three", "four", "five"]),
                    "pts": number_word(rng.randint(2, 9)),
                    "left": number_word(rng.randint(3, 9)),
                }
            )
        if topic == "business":
            shop = rng.choice(["Bakery", "Bookshop", "Hardware", "Bicycle Works"])
            works = rng.choice(["Boatyard", "Brewing Company", "Creamery", "Print Works"])
            yard = rng.choice(["Timber Yard", "Pottery", "Smokehouse", "Ropeworks"])
            ctx["biz"] = rng.choice(
                [f"{p1l}'s {shop}", f"{town} {works}", f"{p1l} & Daughters", f"{town} {yard}"]
            )
        return ctx

    def _sentence(self, template: str, ctx: dict[str, str]) -> str | None:
        s = typo(cap(fill(template, ctx)))
        if s in self.used_sentences or s in self.reserved:
            return None
        return s

    def _quote(
        self, q: str, roles: dict[str, str], ctx: dict[str, str], seen: str, used_forms: set[str]
    ) -> str | None:
        rng = self.rng
        core = fill(q, ctx)
        for opener in rng.sample(QUOTE_OPENERS, len(QUOTE_OPENERS)):
            text = opener + (
                core if not opener or core.startswith("I ") else core[:1].lower() + core[1:]
            )
            if (ctx["site_key"], text) not in self.used_quotes:
                break
        else:
            return None
        who = rng.choice(PEOPLE)
        forms = QUOTE_FORMS_AGAIN if typo(ctx[who]) in seen else QUOTE_FORMS_INTRO
        fresh = [f for f in forms if f not in used_forms] or forms
        form = rng.choice(fresh)
        s = self._sentence(
            form, {**ctx, "q": text, "sp": ctx[who], "spl": ctx[who + "l"], "sr": roles[who]}
        )
        if s:
            used_forms.add(form)
            self.used_quotes.add((ctx["site_key"], text))
        return s

    @staticmethod
    def _premature(template: str, ctx: dict[str, str], seen: str) -> bool:
        """Template names someone by surname only before their full name has appeared."""
        return any("{" + w + "l}" in template and typo(ctx[w]) not in seen for w in PEOPLE)

    def paragraphs(self, topic: str, ctx: dict[str, str], n_paras: int) -> list[str]:
        """Body paragraphs: a lede, then 1-3 sentences each, quotes now and then."""
        rng = self.rng
        spec = TOPICS[topic]
        roles = {
            "p1": fill(rng.choice(spec["r1"]), ctx),
            "p2": fill(rng.choice(spec["r2"]), ctx),
            "p3": fill(rng.choice(spec["r3"]), ctx),
        }
        ctx = {**ctx, "r1": roles["p1"], "r2": roles["p2"], "r3": roles["p3"]}
        generic = GENERIC_SENTENCES + ([] if topic == "sport" else GENERIC_NOT_SPORT)
        pool = list(spec["body"]) + generic
        rng.shuffle(pool)
        quotes = list(spec["quotes"])
        rng.shuffle(quotes)
        out: list[str] = []
        lede = None
        for t in rng.sample(spec["ledes"], len(spec["ledes"])):
            lede = self._sentence(t, ctx)
            if lede:
                break
        if lede is None:
            raise RuntimeError("no unique lede left")
        out.append(lede)
        deferrals = 0
        used_forms: set[str] = set()
        while len(out) < n_paras and pool:
            if rng.random() < 0.2 and quotes:  # a one-quote paragraph
                s = self._quote(quotes.pop(), roles, ctx, " ".join(out), used_forms)
                if s:
                    out.append(s)
                continue
            k = rng.choice([1, 2, 2, 3, 3])
            sents: list[str] = []
            while len(sents) < k and pool:
                t = pool.pop()
                if self._premature(t, ctx, " ".join(out + sents)) and deferrals < 20:
                    pool.insert(0, t)  # try again later, once the person is introduced
                    deferrals += 1
                    continue
                s = self._sentence(t, ctx)
                if s:
                    sents.append(s)
            if rng.random() < 0.25 and quotes:
                s = self._quote(quotes.pop(), roles, ctx, " ".join(out + sents), used_forms)
                if s:
                    sents.append(s)
            if sents:
                out.append(" ".join(sents))
        if len(out) < 4:
            raise RuntimeError("ran out of sentences")
        for p in out:
            for s in SENTENCE_END.split(p):
                self.used_sentences.add(s)
            self.used_sentences.add(p)
        return out

    def headline(self, topic: str, ctx: dict[str, str]) -> str:
        spec = TOPICS[topic]
        for _ in range(50):
            t = self.rng.choice(spec["headlines"])
            title = typo(cap(fill(t, ctx)))
            if title not in self.used_titles:
                self.used_titles.add(title)
                return title
        raise RuntimeError("no unique headline")

    def dek(self, topic: str, ctx: dict[str, str]) -> str:
        forms = DEKS[topic]
        for _ in range(50):
            d = typo(cap(fill(self.rng.choice(forms), ctx)))
            if d not in self.used_deks:
                self.used_deks.add(d)
                return d
        raise RuntimeError("no unique dek")

    def article(
        self, site: Site, topic: str, day: date, byline: str, paper: str, n_paras: int | None = None
    ) -> tuple[Article, dict[str, str]]:
        rng = self.rng
        ctx = self.context(site.key, topic, day, paper)
        thing_raw = rng.choice(TOPICS[topic]["things"])
        thing, _, hv = thing_raw.partition("|")
        ctx["thing"] = fill(thing, ctx)
        ctx["thing_cap"] = cap(ctx["thing"])
        ctx["hv"] = hv
        title = self.headline(topic, ctx)
        dek = self.dek(topic, ctx)
        paras = self.paragraphs(topic, ctx, n_paras or rng.randint(4, 9))
        clock = f"{rng.randint(6, 20):02d}:{rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50]):02d}"
        art = Article(
            site=site,
            topic=topic,
            title=title,
            dek=dek,
            byline=byline,
            byline_display=byline,
            day=day,
            clock=clock,
            section=TOPIC_SECTION[topic],
            paragraphs=paras,
        )
        return art, ctx

    def comments(self, ctx: dict[str, str]) -> list[tuple[str, str]]:
        rng = self.rng
        out = []
        for _ in range(rng.randint(2, 4)):
            name = rng.choice(
                [
                    rng.choice(COMMENT_HANDLES),
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)[0]}.",
                    f"{rng.choice(FIRST_NAMES)} from {ctx['town2']}",
                ]
            )
            text = typo(f"{rng.choice(COMMENT_OPENERS)} {fill(rng.choice(COMMENT_CORES), ctx)}")
            out.append((name, text))
        return out


# ---------------------------------------------------------------------------------------------
# URLs, files, ids


def assign_location(art: Article, used_ids: set[str]) -> None:
    site, d = art.site, art.day
    slug = slugify(art.title)
    base = slug
    n = 2
    while f"{site.short}-{d.isoformat()}-{slug}" in used_ids:
        slug = f"{base}-{n}"
        n += 1
    art.page_id = f"{site.short}-{d.isoformat()}-{slug}"
    used_ids.add(art.page_id)
    if site.short == "harborgazette":
        art.path = f"/{art.section}/{d.year}/{d.month:02d}/{d.day:02d}/{slug}"
    elif site.short == "ridgelinepost":
        num = 40000 + int(hashlib.sha256(art.page_id.encode()).hexdigest()[:6], 16) % 50000
        art.path = f"/story/{slug}-{num}"
    else:
        art.path = f"/{art.section}/{slug}-{d.strftime('%Y%m%d')}.html"
    stem = art.path.strip("/").removesuffix(".html")
    ext = ".txt.gz" if art.gz else (".txt" if art.fmt == "txt" else ".html")
    art.file = f"{site.key}/{stem}{ext}"


# ---------------------------------------------------------------------------------------------
# HTML templates

CSS = {
    "harborgazette": "body.hg{font-family:Georgia,serif;margin:0;color:#1b1b1b}"
    ".masthead{background:#0b3954;color:#fff;padding:12px 24px}"
    ".primary-nav ul{list-style:none;display:flex;gap:16px;margin:0;padding:0}"
    ".layout{display:grid;grid-template-columns:2fr 1fr;gap:32px;padding:24px}"
    ".hg-article p{line-height:1.6}.rail h2{font-size:1rem;text-transform:uppercase}"
    ".cookie-banner{background:#fffbe6;padding:8px 24px}.site-footer{background:#eee;padding:24px}",
    "ridgelinepost": "#page{max-width:1100px;margin:auto;font-family:Helvetica,Arial,sans-serif}"
    ".topbar{display:flex;justify-content:space-between;border-bottom:3px solid #5a3e1b}"
    ".menu-item{padding:0 8px}.content-wrap{display:flex;flex-direction:row-reverse}"
    ".col-side{width:30%}.col-main{width:70%}.story-body .para{margin:0 0 1em}"
    ".widget-title{font-weight:bold}.legal{font-size:12px;color:#666}",
    "valleyherald": ".shell{margin:0 auto;max-width:72rem;font-family:'Source Serif',serif}"
    ".vh-story__head h1{font-size:2.2rem}.vh-byline{font-style:italic}"
    ".vh-text p{margin:0 0 1.2em}.vh-rail,.vh-video{border-top:1px solid #ccc}"
    ".vh-cookie{position:fixed;bottom:0;background:#223;color:#fff}",
}
SCRIPT_TAIL = {
    "harborgazette": "(function(){var d=document;var s=d.createElement('script');"
    "s.src='https://stats.harborgazette.example/t.js';s.async=true;"
    "d.head.appendChild(s);})();",
    "ridgelinepost": "window.dataLayer=window.dataLayer||[];"
    "function gtag(){dataLayer.push(arguments);}gtag('js',new Date());",
    "valleyherald": "document.addEventListener('DOMContentLoaded',function(){"
    "var b=document.querySelector('.vh-cookie button');"
    "if(b){b.addEventListener('click',function(){b.parentNode.remove();});}});",
}


def json_script(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")


def section_href(label: str) -> str:
    s = slugify(label.replace("’", ""), 3)
    return "/" if s == "home" else f"/{s}/"


def render_harbor(site: Site, page: Article | IndexPage) -> str:
    is_art = isinstance(page, Article)
    title = page.title
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{site.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(title)} | {esc(site.brand)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="canonical" href="{attr(page.url)}">',
    ]
    if isinstance(page, Article):
        ts = f"{page.day.isoformat()}T{page.clock}:00Z"
        head += [
            f'<meta name="author" content="{attr(page.byline)}">',
            f'<meta property="article:published_time" content="{ts}">',
            f'<meta property="og:title" content="{attr(title)}">',
            '<script type="application/ld+json">'
            + json_script(
                {
                    "@context": "https://schema.org",
                    "@type": "NewsArticle",
                    "headline": title,
                    "datePublished": ts,
                    "author": {"@type": "Person", "name": page.byline},
                    "publisher": {"@type": "Organization", "name": site.brand},
                }
            )
            + "</script>",
        ]
    head += [f"<style>{CSS[site.short]}</style>", "</head>"]
    nav = "".join(f'<li><a href="{section_href(n)}">{esc(n)}</a></li>' for n in site.nav)
    body = [
        '<body class="hg">',
        '<header class="masthead">',
        f'<a class="logo" href="/">{esc(site.brand)}</a>',
        f'<nav class="primary-nav"><ul>{nav}</ul></nav>',
        "</header>",
        '<div class="cookie-banner" id="cookie-consent">',
        f"<p>{esc(site.cookie)}</p>",
        '<button type="button">Accept</button>',
        "</div>",
        '<main class="layout">',
    ]
    if isinstance(page, Article):
        body += [
            '<article class="hg-article">',
            f'<h1 class="headline">{esc(title)}</h1>',
            '<div class="meta">'
            f'<span class="byline">By {esc(page.byline_display)}</span> · '
            f'<span class="dateline">{MONTHS[page.day.month - 1]} {page.day.day}, '
            f"{page.day.year}</span></div>",
        ]
        body += [f"<p>{esc(p)}</p>" for p in page.paragraphs]
        body.append("</article>")
    else:
        body += [
            '<div class="section-front">',
            f'<h1 class="section-title">{esc(title)}</h1>',
            '<ul class="headline-list">',
        ]
        for it in page.items:
            body.append(
                f'<li><a href="{attr(it.path)}">{esc(it.title)}</a>'
                f'<p class="dek">{esc(it.dek)}</p></li>'
            )
        body += ["</ul>", "</div>"]
    body += ['<aside class="rail">', "<h2>Top Stories</h2>", '<ul class="top-stories">']
    for i, t in enumerate(site.teasers_for(page.day)):
        body.append(f'<li><a href="/news/top/{i + 1}">{esc(t)}</a></li>')
    body += ["</ul>", "<h2>Most Watched</h2>", '<ol class="most-watched">']
    for i, t in enumerate(site.most_watched):
        body.append(f'<li><a href="/video/{i + 1}">{esc(t)}</a></li>')
    body += ["</ol>", "</aside>"]
    if is_art and page.related:
        body += ['<section class="related">', "<h3>Related articles</h3>", "<ul>"]
        body += [f'<li><a href="{attr(r.path)}">{esc(r.title)}</a></li>' for r in page.related]
        body += ["</ul>", "</section>"]
    if is_art and page.comments:
        body += ['<section class="comments">', f"<h3>{len(page.comments)} comments</h3>"]
        for name, text in page.comments:
            body.append(
                f'<div class="comment"><strong class="comment-name">{esc(name)}</strong>'
                f"<p>{esc(text)}</p></div>"
            )
        body.append("</section>")
    links = "".join(f'<li><a href="/{slugify(x)}">{esc(x)}</a></li>' for x in site.footer_links)
    body += [
        "</main>",
        '<footer class="site-footer">',
        f"<ul>{links}</ul>",
        f'<p class="copyright">{esc(site.copyright)}</p>',
        "</footer>",
        f"<script>{SCRIPT_TAIL[site.short]}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(head + body) + "\n"


def render_ridgeline(site: Site, page: Article | IndexPage) -> str:
    is_art = isinstance(page, Article)
    title = page.title
    head = [
        "<!doctype html>",
        f'<html lang="{site.lang}">',
        "<head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
        f"<title>{esc(title)} - {esc(site.brand)}</title>",
    ]
    if isinstance(page, Article):
        ts = f"{page.day.isoformat()}T{page.clock}:00+00:00"
        head.append(f'<meta property="article:published_time" content="{ts}">')
        head.append(f'<meta name="description" content="{attr(page.dek)}">')
    head += [
        f'<style type="text/css">{CSS[site.short]}</style>',
        "<script>var RP={section:'" + (page.section if is_art else page.name) + "'};</script>",
        "</head>",
    ]
    menu = "".join(
        f'<span class="menu-item"><a href="{section_href(n)}">{esc(n)}</a></span>' for n in site.nav
    )
    body = [
        "<body>",
        '<div id="page">',
        '<div class="topbar">',
        f'<div class="brand"><a href="/">{esc(site.brand)}</a></div>',
        f'<div class="menu">{menu}</div>',
        "</div>",
        '<div class="content-wrap">',
        '<div class="col-side">',
        '<div class="widget widget-top">',
        '<div class="widget-title">Top Stories</div>',
    ]
    for i, t in enumerate(site.teasers_for(page.day)):
        body.append(f'<div class="teaser"><a href="/story/top-{i + 1}">{esc(t)}</a></div>')
    body += [
        "</div>",
        '<div class="widget widget-video">',
        '<div class="widget-title">Most Watched</div>',
    ]
    for i, t in enumerate(site.most_watched):
        body.append(f'<div class="video-item"><a href="/video/{i + 1}">{esc(t)}</a></div>')
    body.append("</div>")
    if is_art and page.related:
        body += [
            '<div class="widget widget-related">',
            '<div class="widget-title">Related articles</div>',
        ]
        body += [
            f'<div class="rel"><a href="{attr(r.path)}">{esc(r.title)}</a></div>'
            for r in page.related
        ]
        body.append("</div>")
    body += ["</div>", '<div class="col-main">']
    if isinstance(page, Article):
        body += [
            '<div class="story-header">',
            f'<h2 class="story-title">{esc(title)}</h2>',
            '<div class="story-meta">',
            f'<div class="author-line">By {esc(page.byline_display)}</div>',
            f'<div class="pub-date">Published {fmt_long(page.day)} at '
            f"{page.clock.replace(':', '.')}</div>",
            "</div>",
            "</div>",
            '<div class="story-body">',
        ]
        body += [f'<div class="para">{esc(p)}</div>' for p in page.paragraphs]
        body.append("</div>")
        if page.comments:
            body += ['<div class="reader-comments">', '<div class="rc-title">Reader comments</div>']
            for name, text in page.comments:
                body.append(
                    f'<div class="comment"><div class="comment-author">{esc(name)}</div>'
                    f'<div class="comment-text">{esc(text)}</div></div>'
                )
            body.append("</div>")
    else:
        body += [f'<div class="index-title">{esc(title)}</div>', '<div class="index-list">']
        for it in page.items:
            body.append(
                f'<div class="index-item"><div class="ii-head"><a href="{attr(it.path)}">'
                f'{esc(it.title)}</a></div><div class="ii-sum">{esc(it.dek)}</div></div>'
            )
        body.append("</div>")
    links = " | ".join(f'<a href="/{slugify(x)}">{esc(x)}</a>' for x in site.footer_links)
    body += [
        "</div>",
        "</div>",
        '<div class="legal">',
        f'<div class="consent-text">{esc(site.cookie)}</div>',
        "</div>",
        f'<div class="bottom-links">{links}</div>',
        f'<div class="copy">{esc(site.copyright)}</div>',
        "</div>",
        f"<script>{SCRIPT_TAIL[site.short]}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(head + body) + "\n"


def render_valley(site: Site, page: Article | IndexPage) -> str:
    is_art = isinstance(page, Article)
    title = page.title
    section_label = {
        "news": "Local news",
        "weather": "Weather",
        "business": "Business",
        "sport": "Sport",
    }
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{site.lang}" dir="ltr">',
        "<head>",
        '<meta charset="UTF-8">',
    ]
    if isinstance(page, Article):
        head += [
            f"<title>{esc(title)} – {section_label[page.section]} – {esc(site.brand)}</title>",
            f'<meta name="author" content="{attr(page.byline)}">',
        ]
    else:
        head.append(f"<title>{esc(title)} – {esc(site.brand)}</title>")
    head += [f"<style>{CSS[site.short]}</style>", "</head>"]
    nav = "\n".join(
        f'<a class="vh-nav__link" href="{section_href(n)}">{esc(n)}</a>' for n in site.nav
    )
    body = [
        "<body>",
        '<div class="shell">',
        '<header role="banner">',
        f'<div class="mast"><span class="mast-title">{esc(site.brand)}</span></div>',
        f'<nav aria-label="Sections">\n{nav}\n</nav>',
        "</header>",
    ]
    if isinstance(page, Article):
        iso = f"{page.day.isoformat()}T{page.clock}:00+00:00"
        body += [
            '<section class="vh-story">',
            '<header class="vh-story__head">',
            f"<h1>{esc(title)}</h1>",
            f'<p class="vh-byline">By <a rel="author" href="/authors/{slugify(page.byline)}">'
            f"{esc(page.byline)}</a>"
            + (f", {esc(WIRE_SERVICE)}" if page.byline_display != page.byline else "")
            + "</p>",
            f'<time datetime="{iso}">{WEEKDAYS[page.day.weekday()]} {fmt_long(page.day)}</time>',
            "</header>",
            '<div class="vh-story__body">',
        ]
        for p in page.paragraphs:
            body.append(f'<div class="vh-block"><div class="vh-text"><p>{esc(p)}</p></div></div>')
        body += ["</div>", "</section>"]
    else:
        body += ['<section class="vh-index">', f'<h1 class="vh-index__title">{esc(title)}</h1>']
        for it in page.items:
            body.append(
                f'<div class="vh-card"><div class="vh-card__inner"><h3><a href="'
                f'{attr(it.path)}">{esc(it.title)}</a></h3><p>{esc(it.dek)}</p></div>'
                "</div>"
            )
        body.append("</section>")
    body += [
        '<section class="vh-rail">',
        "<h2>Top stories today</h2>",
        '<div class="vh-rail__list">',
    ]
    for i, t in enumerate(site.teasers_for(page.day)):
        body.append(
            f'<div class="vh-rail__item"><div><p><a href="/local-news/top-{i + 1}.html">'
            f"{esc(t)}</a></p></div></div>"
        )
    body += [
        "</div>",
        "</section>",
        '<section class="vh-video">',
        "<h2>Most watched videos</h2>",
        "<div>",
    ]
    for i, t in enumerate(site.most_watched):
        body.append(
            f'<div class="vh-video__item"><p><a href="/video/{i + 1}.html">{esc(t)}</a></p></div>'
        )
    body += ["</div>", "</section>"]
    if is_art and page.related:
        body += ['<section class="vh-related">', "<h2>Related articles</h2>", "<div>"]
        body += [
            f'<div><p><a href="{attr(r.path)}">{esc(r.title)}</a></p></div>' for r in page.related
        ]
        body += ["</div>", "</section>"]
    if is_art and page.comments:
        body += ['<section class="vh-comments">', "<h2>Have your say</h2>"]
        for name, text in page.comments:
            body.append(
                f'<div class="vh-comment"><div class="vh-comment__who"><p>{esc(name)}</p>'
                f'</div><div class="vh-comment__text"><p>{esc(text)}</p></div></div>'
            )
        body.append("</section>")
    links = "".join(
        f'<div><p><a href="/{slugify(x)}.html">{esc(x)}</a></p></div>' for x in site.footer_links
    )
    body += [
        '<div class="vh-cookie">',
        f"<p>{esc(site.cookie)}</p>",
        '<button type="button">OK</button>',
        "</div>",
        "<footer>",
        f'<div class="vh-footer__links">{links}</div>',
        f'<div class="vh-footer__legal"><p>{esc(site.copyright)}</p></div>',
        "</footer>",
        "</div>",
        f"<script>{SCRIPT_TAIL[site.short]}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(head + body) + "\n"


RENDERERS: dict[str, Callable[[Site, Article | IndexPage], str]] = {
    "harborgazette": render_harbor,
    "ridgelinepost": render_ridgeline,
    "valleyherald": render_valley,
}


def render_txt(site: Site, art: Article) -> str:
    """The visible text of the page as a browser 'save as text' would give it, chrome included."""
    teasers = site.teasers_for(art.day)
    lines: list[str] = []
    body = [art.title, f"By {art.byline_display}"]
    related = ["Related articles", *[r.title for r in art.related]] if art.related else []
    comments = [f"{n}: {t}" for n, t in art.comments]
    if site.short == "harborgazette":
        body.append(f"{MONTHS[art.day.month - 1]} {art.day.day}, {art.day.year}")
        lines += [site.brand, " ".join(site.nav), "", site.cookie, "Accept", "", *body, ""]
        for p in art.paragraphs:
            lines += [p, ""]
        lines += ["Top Stories", *teasers, "", "Most Watched", *site.most_watched, ""]
        if related:
            lines += [*related, ""]
        if comments:
            lines += [f"{len(comments)} comments", *comments, ""]
        lines += [*site.footer_links, site.copyright]
    elif site.short == "ridgelinepost":
        body.append(f"Published {fmt_long(art.day)} at {art.clock.replace(':', '.')}")
        lines += [
            site.brand,
            *site.nav,
            "",
            "Top Stories",
            *teasers,
            "",
            "Most Watched",
            *site.most_watched,
            "",
        ]
        if related:
            lines += [*related, ""]
        lines += [*body, ""]
        for p in art.paragraphs:
            lines += [p, ""]
        if comments:
            lines += ["Reader comments", *comments, ""]
        lines += [site.cookie, " | ".join(site.footer_links), site.copyright]
    else:
        body.append(f"{WEEKDAYS[art.day.weekday()]} {fmt_long(art.day)}")
        lines += [site.brand, " | ".join(site.nav), "", *body, ""]
        for p in art.paragraphs:
            lines += [p, ""]
        lines += ["Top stories today", *teasers, "", "Most watched videos", *site.most_watched, ""]
        if related:
            lines += [*related, ""]
        if comments:
            lines += ["Have your say", *comments, ""]
        lines += [site.cookie, "OK", *site.footer_links, site.copyright]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# corpus


def march_day(rng: random.Random) -> date:
    return date(YEAR, MONTH, rng.randint(1, 30))


def build_corpus(rng: random.Random) -> tuple[list[Article], list[IndexPage]]:
    writer = Writer(rng)
    for site in SITES:
        writer.reserved.update(site.teasers_constant + site.teasers_rotating + site.most_watched)
        writer.reserved.add(site.cookie)
        people = [writer.person()[0] for _ in range(6)]
        site.reporters = people
    papers = {
        "harborgazette": "the Gazette",
        "ridgelinepost": "the Post",
        "valleyherald": "the Herald",
    }
    articles: list[Article] = []

    # syndicated stories: written once, placed on two sites
    harbor, ridge, valley = SITES
    wire_reporters = [writer.person()[0] for _ in range(2)]
    synd_specs = [
        (harbor, valley, "weather", wire_reporters[0], True),
        (ridge, harbor, "business", wire_reporters[1], False),
    ]
    for origin, other, topic, reporter, extra in synd_specs:
        day = march_day(rng)
        art, ctx = writer.article(origin, topic, day, reporter, "reporters", n_paras=6)
        group = f"wire-{day.isoformat()}-{slugify(art.title, 4)}"
        art.syndication_group = group
        copy = Article(
            site=other,
            topic=topic,
            title=art.title,
            dek=art.dek,
            byline=reporter,
            byline_display=f"{reporter}, {WIRE_SERVICE}",
            day=day,
            clock=f"{int(art.clock[:2]) + 1:02d}{art.clock[2:]}",
            section=art.section,
            paragraphs=list(art.paragraphs),
            syndication_group=group,
        )
        if extra:
            extra_ctx = writer.context(other.key, topic, day, "reporters")
            extra_ctx.update({"thing": ctx["thing"], "storm": ctx["storm"]})
            extra_para = writer._sentence(
                "In the {town} area, the {river} was still rising on {wd} evening, and {bus_co} "
                "warned passengers to expect delays on routes towards {town2}.",
                extra_ctx,
            )
            if extra_para is None:
                raise RuntimeError("extra paragraph collided")
            writer.used_sentences.add(extra_para)
            copy.paragraphs.append(extra_para)
        articles += [art, copy]

    for site in SITES:
        own = HTML_ARTICLES_PER_SITE - sum(1 for a in articles if a.site is site)
        topics = list(TOPIC_PLAN)
        rng.shuffle(topics)
        if len(topics) < own + TXT_ARTICLES_PER_SITE:
            raise RuntimeError("TOPIC_PLAN is too short")
        topics = topics[: own + TXT_ARTICLES_PER_SITE]
        for i, topic in enumerate(topics):
            day = march_day(rng)
            art, _ = writer.article(
                site, topic, day, rng.choice(site.reporters), papers[site.short]
            )
            if i >= own:
                art.fmt = "txt"
                art.gz = i == len(topics) - 1
            articles.append(art)

    # related articles and comments
    for art in articles:
        same = [a for a in articles if a.site is art.site and a is not art]
        if rng.random() < 0.5:
            pref = [a for a in same if a.section == art.section] or same
            pick = rng.sample(pref, min(len(pref), rng.randint(3, 4)))
            art.related = pick
        if rng.random() < 0.4:
            ctx = writer.context(art.site.key, art.topic, art.day, "")
            art.comments = writer.comments(ctx)

    used_ids: set[str] = set()
    for art in articles:
        assign_location(art, used_ids)

    indexes: list[IndexPage] = []
    for site in SITES:
        mine = sorted(
            (a for a in articles if a.site is site),
            key=lambda a: (a.day, a.clock, a.page_id),
            reverse=True,
        )
        specs = [
            ("home", "Latest headlines", "/", date(YEAR, MONTH, 31), mine[:12]),
            (
                "news",
                "News",
                "/news/",
                date(YEAR, MONTH, 30),
                [a for a in mine if a.section != "sport"][:12],
            ),
            (
                "sport",
                "Sport",
                "/sport/",
                date(YEAR, MONTH, 29),
                [a for a in mine if a.section == "sport"][:12],
            ),
        ]
        for name, title, path, day, items in specs:
            ip = IndexPage(
                site=site,
                name=name,
                title=title,
                day=day,
                items=items,
                page_id=f"{site.short}-index-{name}",
                path=path,
            )
            ip.file = f"{site.key}/{path.strip('/') + '/' if path != '/' else ''}index.html"
            indexes.append(ip)
    return articles, indexes


# ---------------------------------------------------------------------------------------------
# output


def write_corpus(out: Path, seed: int = SEED) -> dict[str, int]:
    rng = random.Random(seed)
    articles, indexes = build_corpus(rng)
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.jsonl").is_file():
            raise SystemExit(f"refusing to wipe {out}: not empty and holds no manifest.jsonl")
        shutil.rmtree(out)
    out.mkdir(parents=True)

    manifest: list[dict[str, object]] = []
    truth: list[dict[str, object]] = []
    gold: list[dict[str, object]] = []
    pages: list[Article | IndexPage] = [*articles, *indexes]
    for page in pages:
        site = page.site
        if isinstance(page, Article) and page.fmt == "txt":
            raw = render_txt(site, page).encode("utf-8")
            data = gzip.compress(raw, mtime=0) if page.gz else raw
            fmt = "txt"
        else:
            raw = data = RENDERERS[site.short](site, page).encode("utf-8")
            fmt = "html"
        target = out / page.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        manifest.append(
            {
                "page_id": page.page_id,
                "file": page.file,
                "url": page.url,
                "site": site.key,
                "format": fmt,
                "sha256": hashlib.sha256(raw).hexdigest(),
                "bytes": len(raw),
            }
        )
        if isinstance(page, Article):
            truth.append(
                {
                    "page_id": page.page_id,
                    "site": site.key,
                    "kind": "article",
                    "format": fmt,
                    "title": page.title,
                    "byline": page.byline,
                    "date": page.day.isoformat(),
                    "paragraphs": page.paragraphs,
                    "syndication_group": page.syndication_group,
                }
            )
            gold.append(
                {
                    "page_id": page.page_id,
                    "body": "\n".join(page.paragraphs),
                    "title": page.title,
                    "byline": page.byline,
                    "date": page.day.isoformat(),
                }
            )
        else:
            truth.append(
                {
                    "page_id": page.page_id,
                    "site": site.key,
                    "kind": "index",
                    "format": fmt,
                    "title": page.title,
                    "byline": None,
                    "date": None,
                    "paragraphs": [],
                    "syndication_group": None,
                }
            )
            gold.append(
                {"page_id": page.page_id, "body": "", "title": None, "byline": None, "date": None}
            )

    def dump(name: str, rows: list[dict[str, object]]) -> None:
        rows = sorted(rows, key=lambda r: str(r["page_id"]))
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / name).write_text(text, encoding="utf-8")

    dump("manifest.jsonl", manifest)
    dump("truth.jsonl", truth)
    dump("gold.jsonl", gold)

    chrome: dict[str, dict[str, object]] = {}
    for site in SITES:
        used_rotating = {t for p in pages if p.site is site for t in site.teasers_for(p.day)}
        chrome[site.key] = {
            "teasers_constant": site.teasers_constant,
            "teasers_rotating": [t for t in site.teasers_rotating if t in used_rotating],
            "most_watched": site.most_watched,
            "cookie": site.cookie,
            "footer": site.footer_lines(),
            "nav": site.nav,
        }
    (out / "chrome.json").write_text(
        json.dumps(chrome, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return {"pages": len(pages), "articles": len(articles), "indexes": len(indexes)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (wiped)")
    args = ap.parse_args()
    stats = write_corpus(args.out)
    print(
        f"wrote {stats['pages']} pages ({stats['articles']} articles, "
        f"{stats['indexes']} index pages) to {args.out}"
    )


if __name__ == "__main__":
    main()
