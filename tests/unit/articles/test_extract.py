"""Extraction from pages written for these tests, in the shapes WordPress news themes use."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from readtoearn.articles import service
from readtoearn.articles import text as textlib
from readtoearn.articles.extract import decode_html, extract_article, parse_datetime
from readtoearn.articles.extract.rules import Rules
from readtoearn.errors import InvalidInput

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
FR_PAGE = (PAGES / "fr-wordpress.html").read_bytes()
EN_PAGE = (PAGES / "en-news.html").read_bytes()

FR_CHROME = [
    "Read to Earn",
    "Rejoindre le programme",
    "Résumer cet article",
    "ChatGPT",
    "Partager cet article",
    "Recevez notre lettre",
    "conseil en investissement",
    "Journaliste spécialisée",
    "À lire aussi",
    "fonds souverains misent",
    "Encore une bulle",
    "commentaires",
    "Les plus lus",
    "Tous droits réservés",
    "L’actualité crypto qui vous rapporte",
    "En bref",
]
EN_CHROME = [
    "Summarize this article",
    "Perplexity",
    "not investment advice",
    "Share on Facebook",
    "Daniel covers city hall",
    "Read more",
    "Ferry fares",
    "Key points",
    "Subscribe",
    "Privacy",
]


def plain(html: str) -> str:
    """The body's text with every kind of space as a plain one."""
    return flat(textlib.text_of(textlib.sanitise_html(html)))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_french_body_keeps_headings_paragraphs_lists_and_quotes() -> None:
    draft = extract_article(FR_PAGE)
    assert "<h2>Une valorisation qui donne le vertige</h2>" in draft.html
    assert "<h2>Ce que les investisseurs surveillent</h2>" in draft.html
    assert "<h3>Les salariés inquiets</h3>" in draft.html
    assert draft.html.count("<p>") >= 8
    assert "<blockquote>" in draft.html
    assert "<li>le prix auquel les fonds souverains" in draft.html
    body = plain(draft.html)
    assert body.startswith("Le calendrier a surpris")
    assert body.endswith("pour autoriser l’émission des nouvelles actions.")
    # French typography survives: guillemets, non-breaking spaces normalised, figures intact.
    assert "« Nous devons concentrer nos moyens" in body
    assert "16 000 postes" in body
    assert "7,5 %" in body


@pytest.mark.parametrize("phrase", FR_CHROME)
def test_french_site_chrome_is_dropped(phrase: str) -> None:
    draft = extract_article(FR_PAGE)
    assert phrase not in plain(draft.html)
    assert phrase not in draft.lead


def test_french_en_bref_box_becomes_key_points() -> None:
    draft = extract_article(FR_PAGE)
    assert [flat(p) for p in draft.key_points] == [
        "Nimbus IA veut lever jusqu’à 50 milliards de dollars, pour une valorisation qui "
        "pourrait atteindre 830 milliards.",
        "L’entreprise prévoit de supprimer environ 16 000 postes d’ici au quatrième "
        "trimestre 2026.",
    ]
    assert "supprimer environ 16" not in plain(draft.html)


def test_french_metadata() -> None:
    draft = extract_article(FR_PAGE)
    assert flat(draft.title) == "Nimbus IA prépare une levée géante et supprime 16 000 postes"
    assert draft.lead.startswith("La start-up lyonnaise d’intelligence artificielle")
    assert draft.lead not in plain(draft.html)
    assert draft.language == "fr"
    assert draft.canonical_url == "https://lefilcrypto.example/ia/nimbus-ia-levee-geante/"
    assert draft.published_at == datetime(2026, 11, 18, 13, 5, tzinfo=UTC)
    assert draft.published_at.utcoffset() == timedelta(hours=1)
    assert draft.categories == ["S’informer", "Intelligence artificielle"]
    assert [a.name for a in draft.authors] == ["Margaux Delorme"]
    assert draft.authors[0].url == "https://lefilcrypto.example/auteur/margaux-delorme/"
    assert draft.authors[0].bio.startswith("Journaliste spécialisée dans les technologies")
    assert draft.description.startswith("La start-up d’intelligence artificielle vise")
    assert draft.site_name == "Le Fil Crypto"
    assert (
        draft.image_url == "https://lefilcrypto.example/wp-content/uploads/2026/11/nimbus-siege.jpg"
    )
    assert draft.image_alt == "Le siège de Nimbus IA, à Lyon"
    assert draft.image_caption.startswith("Le siège de Nimbus IA, à Lyon, en novembre 2026.")


def test_lazy_images_get_their_real_source_and_the_hero_is_not_repeated() -> None:
    draft = extract_article(FR_PAGE)
    assert 'src="https://lefilcrypto.example/wp-content/uploads/2026/11/nimbus-graphique.png"' in (
        draft.html
    )
    assert 'alt="Évolution du chiffre d’affaires de Nimbus IA"' in draft.html
    assert "placeholder.gif" not in draft.html
    assert "data:image" not in draft.html
    assert "nimbus-siege.jpg" not in draft.html


def test_english_page() -> None:
    draft = extract_article(EN_PAGE)
    assert draft.title == "Harbour City votes to turn its old docks into a solar park"
    assert "<h2>Who pays, and who benefits</h2>" in draft.html
    assert "<h3>Objections from the fishing fleet</h3>" in draft.html
    body = plain(draft.html)
    assert body.startswith("The vote came shortly before midnight on Tuesday")
    assert "a tariff 7.5% below the regional average" in body
    for phrase in EN_CHROME:
        assert phrase not in body, phrase
    assert draft.key_points == [
        "The $1.2bn project will cover 85 acres of derelict docks.",
        "It is meant to power about 40,000 homes from 2029.",
    ]
    assert draft.lead.startswith("After two years of hearings")
    assert draft.language == "en"
    assert draft.published_at == datetime(2026, 11, 19, 13, 30, tzinfo=UTC)
    assert draft.published_at.utcoffset() == timedelta(hours=-5)
    assert [a.name for a in draft.authors] == ["Daniel Mensah", "Ruth Okafor"]
    assert draft.authors[0].url == "https://coastalledger.example/author/dmensah/"
    assert draft.authors[0].bio == "Daniel covers city hall and the energy transition."
    assert draft.categories == ["Local", "Energy"]
    assert (
        draft.canonical_url == "https://coastalledger.example/2026/11/19/harbour-city-solar-docks/"
    )
    # The hero has only a srcset: the widest candidate is the image.
    assert draft.image_url == "https://cdn.coastalledger.example/img/docks-aerial-1600.jpg"
    assert draft.image_alt == "An aerial view of the east docks"
    assert draft.image_caption.startswith("The east docks have stood empty")


def test_stored_article_is_measured(session, settings) -> None:
    saved = service.save_article(session, extract_article(FR_PAGE), settings).article
    assert saved.language == "fr"
    assert saved.key_points[1].startswith("L’entreprise prévoit")
    assert saved.paragraph_count == 9  # the lead and eight paragraphs
    # About 400 words in the body, and the lead, key points and captions a reader reads too,
    # at the French pace, plus 12 s for the hero and 11 s for the chart.
    read = [saved.lead, *saved.key_points, saved.text, saved.image_caption]
    assert saved.word_count == sum(textlib.count_words(part) for part in read)
    assert 350 <= textlib.count_words(saved.text) <= 420 < saved.word_count <= 500
    assert saved.image_count == 2
    wpm = settings.reading_wpm("fr")
    assert saved.reading_seconds == math.ceil(saved.word_count * 60 / wpm + 12 + 11)
    assert saved.reading_minutes == math.ceil(saved.reading_seconds / 60) == 3
    assert saved.published_offset_min == 60


@pytest.mark.parametrize("declare", ["meta", "header", "none", "utf-8 meta", "utf-8 header"])
def test_windows_1252_pages_are_decoded(declare: str) -> None:
    page = FR_PAGE.decode("utf-8")
    if declare == "meta":
        page = page.replace('<meta charset="UTF-8">', '<meta charset="iso-8859-1">')
    elif declare != "utf-8 meta":
        page = page.replace('<meta charset="UTF-8">', "")
    data = page.encode("cp1252")
    header = {"header": "windows-1252", "utf-8 header": "utf-8"}.get(declare)
    draft = extract_article(data, charset=header)
    assert flat(draft.title) == "Nimbus IA prépare une levée géante et supprime 16 000 postes"
    assert "« Nous devons concentrer nos moyens sur le calcul" in plain(draft.html)
    assert "d’intelligence artificielle" in draft.lead
    assert "16 000 salariés" in flat(draft.lead)


def test_valid_utf_8_is_read_as_utf_8() -> None:
    assert decode_html(FR_PAGE, "utf-8") == decode_html(FR_PAGE) == FR_PAGE.decode("utf-8")


def test_stray_windows_1252_bytes_in_a_utf_8_page_keep_both_parts_readable() -> None:
    # A UTF-8 template around a paragraph pasted as windows-1252: neither part becomes mojibake.
    pasted = "<p>Mise à jour : « l’œuvre reçue très tard », précise Françoise.</p>".encode("cp1252")
    data = FR_PAGE.replace(b"</article>", pasted + b"</article>", 1)
    text = decode_html(data, "utf-8")
    assert "Mise à jour : « l’œuvre reçue très tard », précise Françoise." in text
    assert "Nimbus IA prépare une levée géante" in text


def test_byte_order_mark_wins_over_a_wrong_declaration() -> None:
    page = FR_PAGE.decode("utf-8").replace('<meta charset="UTF-8">', '<meta charset="ascii">')
    assert "prépare" in decode_html(b"\xef\xbb\xbf" + page.encode("utf-8"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
        (b"just some words, no markup at all", "not an HTML page"),
        (
            b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body>"
            b"</html>",
            "no article text",
        ),
    ],
)
def test_bad_pages_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        extract_article(data)


@hsettings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(max_size=400).map(lambda t: f"<html><body><p>{t}</p></body></html>".encode())
)
def test_any_bytes_give_an_article_or_a_clear_refusal(data: bytes) -> None:
    try:
        draft = extract_article(data)
    except InvalidInput as exc:
        refusal: str | None = exc.message
    else:
        refusal = None
        assert draft.title
    assert refusal is None or refusal.strip()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-18T14:05:00+01:00", datetime(2026, 11, 18, 13, 5, tzinfo=UTC)),
        ("2026-11-18T13:05:00Z", datetime(2026, 11, 18, 13, 5, tzinfo=UTC)),
        ("Wed, 18 Nov 2026 14:05:00 +0100", datetime(2026, 11, 18, 13, 5, tzinfo=UTC)),
        ("2026-11-18 13:05:00", datetime(2026, 11, 18, 13, 5, tzinfo=UTC)),
        ("18 novembre 2026", None),
        ("", None),
    ],
)
def test_parse_datetime(value: str, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


def test_parse_datetime_keeps_the_zone() -> None:
    parsed = parse_datetime("Wed, 18 Nov 2026 14:05:00 +0100")
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=1)


def test_body_images_keep_their_caption_in_a_figure() -> None:
    draft = extract_article(FR_PAGE)
    root = lxml.html.fragment_fromstring(textlib.sanitise_html(draft.html), create_parent="div")
    figures = root.findall(".//figure")
    assert len(figures) == 1
    image, caption = figures[0].find("img"), figures[0].find("figcaption")
    assert image is not None and image.get("src", "").endswith("/nimbus-graphique.png")
    assert caption is not None
    assert caption.text_content() == "Le chiffre d’affaires trimestriel, en milliards de dollars."
    assert plain(draft.html).count("Le chiffre d’affaires trimestriel") == 1


CAPTIONED = """<html><head><title>Harbour</title>
<meta property="og:image" content="https://news.example/hero.jpg"></head><body><article>
<h1>Harbour</h1>{}
<figure><img src="/a.jpg" alt="Cranes"><figcaption>Cranes at dawn. <span>Photo: A. Smith</span>
</figcaption></figure>{}{}
<figure class="wp-block-image"><picture><img src="data:image/gif;base64,R0lGOD" data-src="/b.jpg"
alt="Quay"></picture><figcaption>The new quay, in March.</figcaption></figure>{}
<figure><img src="/c.jpg" alt="Uncaptioned"></figure>{}
</article></body></html>""".format(
    *(
        f"<p>Paragraph {n} of the harbour story, long enough to be kept as the article's text by "
        "any extractor that reads news pages.</p>"
        for n in range(5)
    )
)


def test_each_caption_stays_with_its_own_image() -> None:
    draft = extract_article(CAPTIONED, "https://news.example/harbour")
    root = lxml.html.fragment_fromstring(draft.html, create_parent="div")
    captions = {
        figure.find("img").get("src"): flat(figure.find("figcaption").text_content())
        for figure in root.iter("figure")
    }
    assert captions == {
        "https://news.example/a.jpg": "Cranes at dawn. Photo: A. Smith",
        "https://news.example/b.jpg": "The new quay, in March.",
    }
    assert root.find(".//p/figure") is None  # a figure never sits inside a paragraph
    assert "https://news.example/c.jpg" in draft.html
    # Off, the captions are lost with trafilatura, as before (the benchmark measures both).
    bare = extract_article(CAPTIONED, "https://news.example/harbour", rules=Rules(captions=False))
    assert "<figcaption" not in bare.html and "Cranes at dawn" not in bare.html


def test_wordpress_classic_captions_are_captions_too() -> None:
    page = CAPTIONED.replace(
        '<figure><img src="/c.jpg" alt="Uncaptioned"></figure>',
        '<div id="attachment_7" class="wp-caption aligncenter"><img src="/c.jpg" alt="Gate">'
        '<p id="caption-attachment-7" class="wp-caption-text">The old gate.</p></div>',
    )
    draft = extract_article(page, "https://news.example/harbour")
    root = lxml.html.fragment_fromstring(draft.html, create_parent="div")
    figure = next(f for f in root.iter("figure") if f.find("img").get("src").endswith("/c.jpg"))
    assert figure.find("figcaption").text_content() == "The old gate."
    assert plain(draft.html).count("The old gate.") == 1
