"""Rules as data: the vocabularies the block features are made of.

Like trafilatura's ``xpaths.py``, everything a reader may want to tune is here, not in code.
No list is English prose: class and id words are the markup vocabulary of web templates
(they are English-like on German or Japanese sites too), and text signals are shapes
(punctuation, digits, lengths), not phrases.
"""

from __future__ import annotations

#: Tags a block's owning element (and its ancestors) can have, as feature codes.
TAG_CODES: dict[str, int] = {
    tag: code
    for code, tag in enumerate(
        "body div p span li ul ol td th tr table tbody thead tfoot h1 h2 h3 h4 h5 h6 "
        "blockquote pre figure figcaption header footer nav aside form section article main "
        "dl dt dd details summary address caption center fieldset legend hgroup menu dialog "
        "hr".split(),
        start=1,
    )
}

#: Ancestor tags recorded as "inside a …" flags (one bit each).
ANCESTOR_TAGS: tuple[str, ...] = (
    "li",
    "table",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "header",
    "footer",
    "nav",
    "aside",
    "form",
    "article",
    "main",
    "section",
    "dl",
    "details",
    "address",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
)

#: Class/id/role/itemprop words, one feature bit each: a regex matched against the lower-cased
#: words of an element. Positive and negative evidence alike; the model learns the weights.
CLASS_WORDS: tuple[tuple[str, str], ...] = (
    ("article", r"article|artikel|\bpost\b|post-?(?:body|content|text)|entry"),
    ("content", r"content|inhalt|contenu|conteudo|contenido"),
    ("body", r"body|articlebody|story-?body|main-?text|text-?body"),
    ("story", r"story|stories|news"),
    ("text", r"\btext\b|paragraph|prose|rich-?text|richtext|markdown|copy\b"),
    ("main", r"\bmain\b|primary"),
    ("headline", r"headline|title|heading|hed\b"),
    ("lead", r"\blead\b|intro|summary|teaser|standfirst|dek\b|excerpt|abstract"),
    ("byline", r"byline|author|autor|auteur|writer|contributor"),
    ("date", r"date|time|datum|published|timestamp|posted"),
    ("caption", r"caption|credit|legend|photo|image|img|figure|media|gallery|video"),
    ("quote", r"quote|blockquote|pullquote"),
    ("comment", r"comment|disqus|kommentar|reply|respond|discussion|reaction"),
    ("footer", r"footer|foot\b|colophon|copyright|legal|imprint|impressum"),
    ("header", r"header|masthead|topbar|top-bar|branding|logo"),
    ("nav", r"\bnav|menu|breadcrumb|navigation|skip|jump|toc\b"),
    ("sidebar", r"sidebar|side-?bar|\bside\b|aside|rail|column|widget|sticky"),
    ("related", r"related|recommend|more-?from|read-?more|also|further|next|prev|similar"),
    ("popular", r"popular|trending|most-?(?:read|viewed|watched)|top-?stories|latest|headlines"),
    ("share", r"share|sharing|social|facebook|twitter|whatsapp|linkedin|pinterest|follow"),
    ("ad", r"\bads?\b|advert|sponsor|promo|banner|dfp|outbrain|taboola|commercial|anzeige"),
    ("newsletter", r"newsletter|subscri|signup|sign-up|register|login|paywall|premium"),
    ("cookie", r"cookie|consent|gdpr|privacy|notice|alert|popup|modal|overlay"),
    ("tags", r"\btags?\b|tag-?list|keywords|topics|categor|rubri"),
    ("meta", r"\bmeta\b|info\b|details|stats|tools|toolbar|actions|utility"),
    ("list", r"list|items|feed|stream|grid|cards?\b|tiles?|river|collection"),
    ("hidden", r"hidden|\bhide\b|invisible|sr-only|screen-?reader|visually-?hidden|offscreen"),
    ("print", r"print|email|mail|pdf|font-?size|bookmark"),
    ("search", r"search|suche|recherche|query"),
    ("pagination", r"paginat|pager|page-?nav|pages\b"),
    ("wrapper", r"wrap|container|inner|outer|layout|row\b|col-|grid"),
    ("schema_body", r"articlebody|\btext\b"),
    ("role_main", r"\bmain\b|\barticle\b"),
    ("role_chrome", r"navigation|banner|contentinfo|complementary|search|dialog"),
)
