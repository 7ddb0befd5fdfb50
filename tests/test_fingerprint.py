from winnow.parse.fingerprint import (
    hash64,
    normalize_text,
    structural_signature,
    text_fingerprint,
    word_count,
)


def test_normalize_text_folds_case_whitespace_and_digits():
    assert normalize_text("  Updated\t3 HOURS\n ago ") == "updated 0 hours ago"
    assert normalize_text("Page 12 of 340") == "page 00 of 000"
    assert normalize_text("") == ""


def test_same_fingerprint_for_template_copies():
    assert text_fingerprint("Updated 3 hours ago") == text_fingerprint("Updated 5 hours ago")
    assert text_fingerprint("Updated 3 hours ago") == text_fingerprint("  updated   7 HOURS ago")


def test_different_text_gets_different_fingerprint():
    assert text_fingerprint("Updated 3 hours ago") != text_fingerprint("Updated 3 days ago")
    assert text_fingerprint("Subscribe now") != text_fingerprint("Subscribe later")


def test_hash64_is_stable_signed_64_bit():
    value = hash64("winnow")
    assert value == hash64("winnow")
    assert -(1 << 63) <= value < (1 << 63)
    assert hash64("winnow") != hash64("winnow ")


def test_structural_signature_folds_digits_and_case():
    assert structural_signature("body/div.teaser-1/p") == structural_signature(
        "body/div.teaser-7/p"
    )
    assert structural_signature("BODY/DIV.Promo/p") == structural_signature("body/div.promo/p")
    assert structural_signature("body/div.teaser/p") != structural_signature("body/aside.teaser/p")


def test_word_count():
    assert word_count("Hello, world! It's 2024.") == 5
    assert word_count("   ") == 0
