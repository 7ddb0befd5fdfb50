import gzip
import json

import pytest

from winnow.parse.sites import declared_url, site_of
from winnow.records import page_format
from winnow.sources import (
    SourceError,
    iter_manifest,
    iter_page_refs,
    load_sources,
)


@pytest.fixture
def root(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "manifest.jsonl").write_text('{"page_id": "a", "file": "pages/a.html"}\n')
    return tmp_path


def _write(root, text, name="sources.yaml"):
    path = root / name
    path.write_text(text)
    return path


def _error(config):
    with pytest.raises(SourceError) as info:
        load_sources(config)
    return str(info.value)


def test_load_sources_valid(root):
    config = _write(
        root,
        "sources:\n"
        "  - name: box\n    kind: files\n    path: pages\n    include: '*.html'\n"
        "  - name: feed\n    kind: manifest\n    path: manifest.jsonl\n    site: x.example\n"
        "    description: a feed\n",
    )
    box, feed = load_sources(config)
    assert (box.name, box.kind, box.path, box.include) == (
        "box",
        "files",
        root / "pages",
        ("*.html",),
    )
    assert box.site is None
    assert (feed.kind, feed.path, feed.site) == ("manifest", root / "manifest.jsonl", "x.example")
    assert feed.description == "a feed"


def test_unknown_kind(root):
    config = _write(root, "sources:\n  - name: box\n    kind: ftp\n    path: pages\n")
    message = _error(config)
    assert str(config) in message and "source #1 'box'" in message
    assert "unknown kind 'ftp'" in message


def test_missing_path_field(root):
    config = _write(root, "sources:\n  - name: box\n    kind: files\n")
    message = _error(config)
    assert str(config) in message and "'box'" in message and "'path' is missing" in message


def test_path_that_does_not_exist(root):
    config = _write(root, "sources:\n  - name: box\n    kind: files\n    path: nowhere\n")
    message = _error(config)
    assert str(config) in message and "'box'" in message
    assert "'nowhere' does not exist" in message and str(root / "nowhere") in message


def test_unknown_field(root):
    config = _write(
        root, "sources:\n  - name: box\n    kind: files\n    path: pages\n    colour: red\n"
    )
    message = _error(config)
    assert str(config) in message and "'box'" in message
    assert "unknown field" in message and "colour" in message


def test_duplicate_names(root):
    config = _write(
        root,
        "sources:\n  - name: box\n    kind: files\n    path: pages\n"
        "  - name: box\n    kind: manifest\n    path: manifest.jsonl\n",
    )
    message = _error(config)
    assert str(config) in message and "'box'" in message and "more than once" in message


@pytest.mark.parametrize(
    "text", ["sources:\n  name: box\n", "sources: []\n", "", "- name: box\n"], ids=repr
)
def test_not_a_list(root, text):
    config = _write(root, text)
    message = _error(config)
    assert str(config) in message and "list under 'sources:'" in message


def test_entry_that_is_not_a_mapping_names_its_number(root):
    config = _write(
        root, "sources:\n  - name: box\n    kind: files\n    path: pages\n  - just-a-string\n"
    )
    message = _error(config)
    assert str(config) in message and "source #2" in message and "mapping" in message


def test_kind_must_match_path_type(root):
    config = _write(root, "sources:\n  - name: feed\n    kind: manifest\n    path: pages\n")
    assert "needs a file" in _error(config)
    config = _write(root, "sources:\n  - name: box\n    kind: files\n    path: manifest.jsonl\n")
    assert "needs a folder" in _error(config)


def test_invalid_yaml_and_unreadable_file(root):
    assert "not valid YAML" in _error(_write(root, "sources: [\n"))
    missing = root / "absent.yaml"
    message = _error(missing)
    assert str(missing) in message and "cannot read" in message


def test_iter_manifest_bad_lines_cost_only_themselves(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(
        '{"page_id": "a", "file": "a.html", "url": "https://www.a.example/a"}\n'
        "{not json\n"
        "\n"
        '{"page_id": "c", "url": "https://a.example/c"}\n'
        '{"file": "sub/d.txt.gz", "site": "d.example"}\n'
        "[1, 2]\n"
    )
    refs = list(iter_manifest(manifest, "feed", site="default.example"))
    assert [r.page_id for r in refs] == ["a", "feed/line-2", "c", "d.txt.gz", "feed/line-6"]
    a, bad_json, no_file, d, not_object = refs

    assert a.error is None and a.location == str(tmp_path / "a.html")
    assert a.url == "https://www.a.example/a" and a.site == "default.example" and a.fmt == "html"

    assert bad_json.error.startswith(f"{manifest}: line 2")
    assert "not valid JSON" in bad_json.error

    assert no_file.error.startswith(f"{manifest}: line 4")
    assert "'file' is missing" in no_file.error

    assert d.error is None and d.fmt == "txt" and d.site == "d.example"
    assert d.location == str(tmp_path / "sub" / "d.txt.gz")

    assert f"{manifest}: line 6" in not_object.error


def test_iter_manifest_non_string_url_is_an_error(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"page_id": "e", "file": "e.html", "url": 5}\n')
    (ref,) = iter_manifest(manifest, "feed")
    assert ref.page_id == "e" and "'url' must be a string" in ref.error


def test_iter_manifest_non_utf8_line_costs_only_itself(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(
        b'{"page_id": "a", "file": "a.html"}\n'
        b'{"page_id": "caf\xe9", "file": "caf\xe9.html"}\n'
        b'{"page_id": "b", "file": "b.html"}\n'
    )
    refs = list(iter_manifest(manifest, "feed"))
    assert [r.page_id for r in refs if r.error is None] == ["a", "b"]
    assert len(refs) == 3 and f"{manifest}: line 2" in refs[1].error


def test_files_source_yields_html_txt_and_gz(tmp_path):
    pages = tmp_path / "pages"
    (pages / "sub").mkdir(parents=True)
    (pages / "a.html").write_text("<p>a</p>")
    (pages / "sub" / "b.html.gz").write_bytes(gzip.compress(b"<p>b</p>"))
    (pages / "c.txt").write_text("c")
    (pages / "d.txt.gz").write_bytes(gzip.compress(b"d"))
    (pages / "notes.md").write_text("not a page")
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n  - name: box\n    kind: files\n    path: pages\n    site: box.example\n"
    )
    (spec,) = load_sources(config)
    refs = list(iter_page_refs(spec))
    by_id = {r.page_id: r for r in refs}
    assert set(by_id) == {"box/a.html", "box/sub/b.html.gz", "box/c.txt", "box/d.txt.gz"}
    assert len(refs) == 4
    assert by_id["box/a.html"].fmt == "html" and by_id["box/sub/b.html.gz"].fmt == "html"
    assert by_id["box/c.txt"].fmt == "txt" and by_id["box/d.txt.gz"].fmt == "txt"
    assert by_id["box/sub/b.html.gz"].location == str(pages / "sub" / "b.html.gz")
    assert all(r.site == "box.example" and r.source == "box" and r.error is None for r in refs)
    assert list(iter_page_refs(spec)) == refs  # stable order


def test_manifest_source_via_iter_page_refs(tmp_path):
    (tmp_path / "m.jsonl").write_text(json.dumps({"page_id": "p", "file": "p.txt"}) + "\n")
    (tmp_path / "p.txt").write_text("text")
    config = tmp_path / "s.yaml"
    config.write_text("sources:\n  - name: feed\n    kind: manifest\n    path: m.jsonl\n")
    (ref,) = iter_page_refs(load_sources(config)[0])
    assert (ref.page_id, ref.source, ref.fmt) == ("feed/p", "feed", "txt")


@pytest.mark.parametrize(
    ("location", "fmt"),
    [
        ("a.txt", "txt"),
        ("dir/A.TXT.GZ", "txt"),
        ("a.html", "html"),
        ("a.htm.gz", "html"),
        ("https://x.example/story", "html"),
    ],
)
def test_page_format(location, fmt):
    assert page_format(location) == fmt


# Site keys (winnow.sites): the unit the model learns on.


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.example.com/a", "example.com"),
        ("https://news.bbc.co.uk/story/1", "bbc.co.uk"),
        ("https://someone.blogspot.com/2024/post", "someone.blogspot.com"),
        ("https://a.b.harborgazette.example/x", "harborgazette.example"),
        ("https://harborgazette.example/", "harborgazette.example"),
        ("HTTPS://WWW.Foo.COM/Path", "foo.com"),
        (None, None),
        ("", None),
        ("not a url", None),
    ],
)
def test_site_of(url, site):
    assert site_of(url) == site


def test_declared_url_canonical_and_og_url():
    assert (
        declared_url(b'<html><head><link rel="canonical" href="https://www.x.com/a/b"></head>')
        == "https://www.x.com/a/b"
    )
    assert (
        declared_url(b'<head><link href="https://h.com/q" rel=canonical></head>')
        == "https://h.com/q"
    )
    assert (
        declared_url(b'<head><meta property="og:url" content="https://y.org/z"></head>')
        == "https://y.org/z"
    )


def test_declared_url_ignores_relative_and_missing():
    assert declared_url(b'<head><link rel="canonical" href="/relative/path"></head>') is None
    assert declared_url(b"<head><title>No canonical</title></head>") is None


def _big_head(*tags: str) -> bytes:
    """A head whose tags sit after 200 KB of inline script and style; the script holds what a
    naive scan would take for the head's end and for a canonical link."""
    script = (
        "<script>var t = '</head><body>' + '<link rel=\"canonical\" href=\"https://wrong.example/\">';"
        + "var x = 1;" * 10_000
        + "</script>"
    )
    style = "<style>" + ".c{color:red}" * 10_000 + "</style>"
    head = f"<html><head><title>T</title>{script}{style}{''.join(tags)}</head>"
    return (head + "<body><p>Story.</p></body></html>").encode()


def test_declared_url_is_read_from_the_whole_head():
    canonical = '<link rel="canonical" href="https://news.example.co.uk/a?b=1&amp;c=2">'
    assert len(_big_head(canonical)) > 200_000
    assert declared_url(_big_head(canonical)) == "https://news.example.co.uk/a?b=1&c=2"
    og = "<META PROPERTY='og:url' CONTENT='https://og.example/story'>"
    assert declared_url(_big_head(og)) == "https://og.example/story"
    assert declared_url(_big_head(og, canonical)) == "https://news.example.co.uk/a?b=1&c=2"
    # A canonical printed after the head (templates do) is a fallback: the head's comes first.
    in_body = '<link rel="canonical" href="https://body.example/late">'
    assert declared_url(_big_head().replace(b"<p>", in_body.encode() + b"<p>")) == (
        "https://body.example/late"
    )
    both = _big_head(canonical).replace(b"<p>", in_body.encode() + b"<p>")
    assert declared_url(both) == "https://news.example.co.uk/a?b=1&c=2"


def test_declared_url_from_json_ld_anywhere_in_the_page():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "url": "https://home.example/"},
            {"@type": ["NewsArticle"], "mainEntityOfPage": {"@id": "https://ld.example/s/1"}},
        ],
    }
    script = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    page = _big_head().replace(b"<p>Story.</p>", b"<p>Story.</p>" * 5000 + script.encode())
    assert declared_url(page) == "https://ld.example/s/1"
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "url": </script>'
    with_broken = page.replace(b"<body><p>", b"<body>" + broken.encode() + b"<p>", 1)
    assert declared_url(with_broken) == "https://ld.example/s/1"
    article = {"@type": "BlogPosting", "url": "https://blog.example/p"}
    head_ld = f'<script type="application/ld+json">{json.dumps(article)}</script>'
    assert declared_url(_big_head(head_ld)) == "https://blog.example/p"


def test_a_page_with_its_canonical_after_64_kib_gets_its_site(tmp_path):
    from winnow.pipeline import load_page

    (tmp_path / "box").mkdir()
    page = _big_head('<link rel="canonical" href="https://www.harbour-news.example.org/x">')
    (tmp_path / "box" / "p.html").write_bytes(page)
    (tmp_path / "s.yaml").write_text("sources:\n  - name: box\n    kind: files\n    path: box\n")
    (spec,) = load_sources(tmp_path / "s.yaml")
    (loaded,) = [load_page(ref) for ref in iter_page_refs(spec)]
    assert loaded.url == "https://www.harbour-news.example.org/x"
    assert loaded.site == "example.org"
