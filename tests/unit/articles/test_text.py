from hypothesis import given
from hypothesis import strategies as st

from readtoearn.articles import text
from readtoearn.config import Settings


def test_french_770_words_with_one_image_reads_four_minutes() -> None:
    timing = text.reading_time(770, 1, Settings().reading_wpm("fr"))
    assert timing.minutes == 4


def test_english_uses_238_wpm() -> None:
    # 476 words at 238 wpm is exactly 2 minutes; one more word tips it to 3.
    assert text.reading_time(476, 0, 238).minutes == 2
    assert text.reading_time(477, 0, 238).minutes == 3


def test_image_time_follows_mediums_rule() -> None:
    # 12 + 11 + ... + 3, then 3 s for every further image.
    seconds = [text.reading_time(0, n, 238).seconds for n in (1, 2, 10, 12)]
    assert seconds == [12, 23, 75, 81]


def test_reading_time_is_at_least_one_minute() -> None:
    assert text.reading_time(5, 0, 238).minutes == 1


@given(st.integers(0, 20000), st.integers(0, 30), st.integers(100, 400))
def test_reading_time_grows_with_words_and_images(words: int, images: int, wpm: int) -> None:
    base = text.reading_time(words, images, wpm)
    assert text.reading_time(words + 100, images, wpm).seconds >= base.seconds
    assert text.reading_time(words, images + 1, wpm).seconds > base.seconds
    assert base.minutes * 60 >= base.seconds


def test_sanitise_removes_scripts_handlers_and_javascript_urls() -> None:
    dirty = (
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a>'
        '<img src="x.png" onerror="boom()"></p><script>alert(1)</script>'
        '<iframe src="https://evil.example"></iframe><style>p{}</style>'
    )
    clean = text.sanitise_html(dirty)
    for bad in ("onclick", "javascript:", "onerror", "<script", "<iframe", "<style", "alert"):
        assert bad not in clean
    assert "<p>" in clean and '<img src="x.png">' in clean


def test_word_count_keeps_numbers_and_elisions_whole() -> None:
    assert text.count_words("L'IA a créé 16 000 postes, soit 7,5 % de plus.") == 10
    assert text.count_words("About 14,000 jobs — up 7.5% — in Q4.") == 7


def test_paragraphs_and_text() -> None:
    html = "<h2>Title</h2><p>One.</p><ul><li><p>Two.</p></li></ul><p> </p><p>Three.</p>"
    assert text.paragraphs_of(html) == ["Title", "One.", "Two.", "Three."]
    assert text.count_paragraphs(html) == 3


def test_slugify_is_ascii() -> None:
    assert (
        text.slugify("Intelligence artificielle : l'été 2026")
        == "intelligence-artificielle-l-ete-2026"
    )
    assert text.slugify("!!!") == "item"


def test_the_lead_is_the_first_paragraph_of_what_is_read() -> None:
    body = "<h2>Context</h2><p>One two.</p><p> </p><p>Three four five.</p>"
    read = text.with_lead(" A  <lead> & more ", body)
    assert read.startswith("<p>A &lt;lead&gt; &amp; more</p>")
    assert text.count_paragraphs(read) == 3
    assert text.paragraph_word_counts(read) == (3, 2, 3)
    assert text.with_lead("", body) == body
    # The page numbers the lead 0 itself and the body's paragraphs from 1, as the server counts.
    assert 'data-p="1">One two.' in text.index_paragraphs(body, 1)
    assert 'data-p="2">Three four five.' in text.index_paragraphs(body, 1)


def test_words_read_count_lead_key_points_body_and_captions() -> None:
    body = "<p>Five words in this paragraph.</p><figure><img src='x'><figcaption>Two more"
    body += "</figcaption></figure>"
    assert text.words_read("Three lead words", ["One point", "Another key point"], body, "") == 15
    assert text.words_read("", [], body, "Hero caption") == 9
