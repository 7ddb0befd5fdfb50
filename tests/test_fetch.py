import codecs
import gzip
import socket

import pytest

from winnow.fetch import FetchError, FetchOptions, fetch_url, read_local
from winnow.parse.decode import decode, detect_encoding
from winnow.pipeline import load_page
from winnow.records import PageRef

# The test server listens on 127.0.0.1, which the fetcher refuses unless told otherwise.
LOCAL = FetchOptions(allow_private=True, delay=0.0, retries=0, user_agent="WinnowTest/1.0")


@pytest.fixture
def site(httpserver):
    """The test server, with no robots.txt (a 404: everything allowed)."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver


PAGE = (
    '<html><head><link rel="canonical" href="https://www.harborgazette.example/pier">'
    "</head><body><p>Caf\u00e9 opens on the pier</p></body></html>"
)


def test_decode_utf8_bom_is_stripped():
    text, encoding = decode(codecs.BOM_UTF8 + "caf\u00e9".encode())
    assert (text, encoding) == ("caf\u00e9", "utf-8")


def test_decode_utf16_bom():
    text, encoding = decode(codecs.BOM_UTF16_LE + "caf\u00e9".encode("utf-16-le"))
    assert (text, encoding) == ("caf\u00e9", "utf-16")
    text, _ = decode(codecs.BOM_UTF16_BE + "caf\u00e9".encode("utf-16-be"))
    assert text == "caf\u00e9"
    # UTF-32's little-endian BOM begins with UTF-16's: it must not be read as UTF-16.
    text, encoding = decode(codecs.BOM_UTF32_LE + "caf\u00e9".encode("utf-32-le"))
    assert (text, encoding) == ("caf\u00e9", "utf-32")


def test_decode_meta_charset():
    html = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Привет</p>'
    text, encoding = decode(html.encode("cp1251"))
    assert encoding == "cp1251" and "Привет" in text


def test_decode_latin1_declared_is_read_as_cp1252():
    raw = b'<meta charset="iso-8859-1"><p>caf\xe9 \x93quoted\x94</p>'
    text, encoding = decode(raw)
    assert encoding == "cp1252"
    assert "caf\u00e9 \u201cquoted\u201d" in text


def test_decode_declared_charset_wins_over_meta():
    raw = '<meta charset="utf-8"><p>caf\u00e9</p>'.encode("cp1252")
    text, encoding = decode(raw, declared="windows-1252")
    assert encoding == "cp1252" and "caf\u00e9" in text


def test_decode_plain_utf8():
    text, encoding = decode("<p>na\u00efve caf\u00e9 \u2014 ok</p>".encode())
    assert (text, encoding) == ("<p>na\u00efve caf\u00e9 \u2014 ok</p>", "utf-8")


def test_decode_undeclared_legacy_bytes_never_raise():
    html = (
        "<html><body><p>The caf\u00e9 on the corner re-opened on Monday \u2013 its owner said "
        "the r\u00e9sum\u00e9 of the new chef was \u201cexcellent\u201d.</p></body></html>"
    )
    raw = html.encode("cp1252")
    encoding = detect_encoding(raw)
    assert encoding != "utf-8"
    text, _ = decode(raw)
    assert "caf\u00e9" in text and "\ufffd" not in text


def test_decode_invalid_utf8_bytes_become_replacement_chars():
    # Mostly UTF-8 (a valid "é"), one stray byte: the claim holds, the byte becomes U+FFFD.
    text, encoding = decode(b"<meta charset=utf-8><p>ok caf\xc3\xa9 \xff bad</p>")
    assert encoding == "utf-8" and "\ufffd" in text and "caf\u00e9" in text


def test_decode_a_false_utf8_claim_is_detected():
    # No valid multi-byte character at all: the claim is false, the bytes are cp1252.
    text, encoding = decode(b"<meta charset=utf-8><p>ok caf\xe9 cr\xe8me</p>")
    assert encoding == "cp1252" and "caf\u00e9 cr\u00e8me" in text


def test_decode_meta_utf16_on_ascii_page_is_utf8():
    raw = '<html><head><meta charset="utf-16"></head><body><p>Hello caf\u00e9</p></body></html>'
    text, _ = decode(raw.encode())
    assert "Hello caf\u00e9" in text


def test_read_local_plain_and_gz(tmp_path):
    plain = tmp_path / "a.html"
    plain.write_bytes(b"<p>plain</p>")
    packed = tmp_path / "b.html.gz"
    packed.write_bytes(gzip.compress(b"<p>packed</p>"))
    assert read_local(plain) == b"<p>plain</p>"
    assert read_local(packed) == b"<p>packed</p>"


def test_read_local_gz_fast_path_reads_what_gzip_reads(tmp_path):
    """One-member files are inflated in one call (ISA-L); several members, a truncated
    stream and a bomb behave as the streaming reader makes them."""
    text = ("<p>caf\u00e9 " + "x" * 3000 + "</p>").encode() * 20
    one = tmp_path / "one.html.gz"
    one.write_bytes(gzip.compress(text))
    assert read_local(one, 1_000_000) == text == gzip.decompress(one.read_bytes())
    two = tmp_path / "two.html.gz"
    two.write_bytes(gzip.compress(text[:100]) + gzip.compress(text[100:]))
    assert read_local(two, 1_000_000) == text
    cut = tmp_path / "cut.html.gz"
    cut.write_bytes(gzip.compress(text)[:-30])
    with pytest.raises(FetchError, match="cut.html.gz"):
        read_local(cut, 1_000_000)
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b" " * 200_001))
    with pytest.raises(FetchError, match="over the page size cap") as caught:
        read_local(bomb, 200_000)
    assert caught.value.page_status == "too_large"
    assert len(read_local(bomb, 200_001)) == 200_001


def test_read_local_errors_name_the_path(tmp_path):
    missing = tmp_path / "missing.html"
    with pytest.raises(FetchError, match="missing.html"):
        read_local(missing)
    not_gz = tmp_path / "fake.html.gz"
    not_gz.write_bytes(b"<p>not gzip</p>")
    with pytest.raises(FetchError, match="fake.html.gz"):
        read_local(not_gz)


def _corrupt_gz(path):
    data = bytearray(gzip.compress(b"<p>hello world</p>" * 50))
    data[10] = 0xFF  # first deflate byte: reserved block type -> zlib.error
    path.write_bytes(bytes(data))
    return path


def test_read_local_corrupt_gz_is_a_fetch_error(tmp_path):
    path = _corrupt_gz(tmp_path / "broken.html.gz")
    with pytest.raises(FetchError, match="broken.html.gz"):
        read_local(path)


def test_load_page_corrupt_gz_is_recorded(tmp_path):
    path = _corrupt_gz(tmp_path / "broken.html.gz")
    page = load_page(PageRef("broken", "src", str(path)))
    assert page.status == "error" and "broken.html.gz" in page.error


def test_fetch_url_200(site):
    site.expect_request("/story").respond_with_data(PAGE.encode(), content_type="text/html")
    assert fetch_url(site.url_for("/story"), LOCAL) == PAGE.encode()


def test_fetch_url_sends_user_agent(site):
    site.expect_request("/ua", headers={"User-Agent": "WinnowTest/1.0"}).respond_with_data(
        "ok", content_type="text/plain"
    )
    assert fetch_url(site.url_for("/ua"), LOCAL) == b"ok"


def test_fetch_url_404_names_the_url(site):
    site.expect_request("/gone").respond_with_data("nope", status=404)
    url = site.url_for("/gone")
    with pytest.raises(FetchError) as info:
        fetch_url(url, LOCAL)
    assert url in str(info.value) and "404" in str(info.value)


def test_fetch_url_follows_redirects(site):
    site.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": site.url_for("/new")}
    )
    site.expect_request("/new").respond_with_data("moved here", content_type="text/html")
    assert fetch_url(site.url_for("/old"), LOCAL) == b"moved here"


def test_fetch_url_connection_refused_is_a_fetch_error():
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/down"
    with pytest.raises(FetchError, match="/down"):
        fetch_url(url, LOCAL)


def test_load_page_refuses_loopback_by_default(httpserver):
    """load_page fetches with the crawler's default guards: a loopback host is refused."""
    httpserver.expect_request("/pier").respond_with_data(PAGE.encode(), content_type="text/html")
    url = httpserver.url_for("/pier")
    page = load_page(PageRef("pier", "web", url))
    assert page.status == "error" and page.raw is None
    assert url in page.error and "private/loopback" in page.error
    assert len(httpserver.log) == 0  # refused before any request was sent


def test_load_page_missing_file_is_recorded(tmp_path):
    path = tmp_path / "nowhere.html"
    page = load_page(PageRef("nowhere", "src", str(path)))
    assert page.status == "error"
    assert str(path) in page.error
    assert page.raw is None and page.content_hash is None


def test_load_page_local_gz_keeps_given_url_and_site(tmp_path):
    path = tmp_path / "a.html.gz"
    path.write_bytes(gzip.compress(PAGE.encode()))
    ref = PageRef("a", "src", str(path), url="https://news.other.co.uk/a", site=None)
    page = load_page(ref)
    assert page.status == "ok" and page.raw == PAGE.encode()
    assert page.url == "https://news.other.co.uk/a" and page.site == "other.co.uk"


def test_load_page_ref_error_is_kept(tmp_path):
    page = load_page(PageRef("x", "src", str(tmp_path), error="manifest line 3: bad"))
    assert page.status == "error" and page.error == "manifest line 3: bad"
