"""The console names states and kinds in the page's language: a reader's movements, reads and
devices, and each reward's kind in the list, never the stored codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from readtoearn.db import utcnow
from readtoearn.fraud import sightings
from readtoearn.fraud.sightings import Seen
from readtoearn.reading.rules import READ_STATUS_LABELS
from readtoearn.rewards import service as rewards
from readtoearn.web import i18n
from readtoearn.web.routes.operator_readers import ENTRY_KIND_LABELS, SIGHTING_LABELS
from readtoearn.web.routes.operator_rewards import KIND_NAMES
from readtoearn.web.routes.operator_trail import ACTION_LABELS, TARGET_LABELS
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_console_rewards import create
from tests.web.test_console_trail import as_operator

FR = {"Accept-Language": "fr"}


def cells(html: str, table: str, column: int) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    rows = soup.select(f'table[data-table="{table}"] tbody tr')
    return [row.find_all("td")[column].get_text(" ", strip=True) for row in rows]


@pytest.mark.parametrize(
    "labels",
    [READ_STATUS_LABELS, ENTRY_KIND_LABELS, SIGHTING_LABELS, KIND_NAMES, TARGET_LABELS],
    ids=["reads", "movements", "sightings", "reward_kinds", "trail_targets"],
)
def test_every_label_has_its_french(labels) -> None:
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(set(labels.values()) - known) == []


def test_a_reader_page_in_french_names_states_not_codes(client, session, settings) -> None:
    as_operator(client, session, settings)
    fund(session, 1000)
    ada, _ = make_reader(session, settings, "ada")
    chips = make_article(session, settings, title="Chips", url="https://news.example/chips")
    rates = make_article(session, settings, title="Rates", url="https://news.example/rates")
    make_read(session, ada.id, chips.id, status="credited")
    make_read(session, ada.id, rates.id, status="held")
    sightings.record(session, ada.id, Seen(device="d" * 32, address="a" * 32), utcnow())
    session.commit()

    page = client.get(f"/operator/readers/{ada.id}", headers=FR)
    assert page.status_code == 200, page.text
    assert sorted(cells(page.text, "reads", 2)) == ["Crédité", "En attente de vérification"]
    movements = cells(page.text, "movements", 1)
    assert "Récompense de lecture (validé)" in movements
    assert "Récompense de lecture (en attente)" in movements
    assert not any("read_reward" in line for line in movements)
    devices = BeautifulSoup(page.text, "html.parser").select('[data-list="sightings"] li')
    assert sorted(li.get_text(" ", strip=True).split()[0] for li in devices) == [
        "Appareil",
        "Groupe",
    ]
    english = client.get(f"/operator/readers/{ada.id}", headers={"Accept-Language": "en"})
    assert sorted(cells(english.text, "reads", 2)) == ["Credited", "Held for review"]
    assert "Reading reward (posted)" in cells(english.text, "movements", 1)


def test_the_rewards_list_names_each_kind_in_french(client, session, settings) -> None:
    as_operator(client, session, settings)
    for kind, extra in [
        ("code", {}),
        ("premium", {"premium_days": "7"}),
        ("physical", {"stock": "2"}),
        ("draw", {"stock": "2"}),
    ]:
        create(client, kind, name_en=f"The {kind}", **extra)
    session.expire_all()
    assert len(rewards.list_rewards(session, include_inactive=True)) == 4
    listing = client.get("/operator/rewards", headers=FR)
    assert sorted(cells(listing.text, "rewards", 1)) == [
        "Code",
        "Objet envoyé par la poste",
        "Premium",
        "Tirage au sort",
    ]


def test_every_kind_of_object_the_trail_records_has_a_name() -> None:
    source = Path(__file__).parents[2] / "src" / "readtoearn"
    kinds = {
        kind
        for path in source.rglob("*.py")
        for kind in re.findall(r'target=\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert len(kinds) > 5
    assert sorted(kinds - set(TARGET_LABELS)) == []


def test_the_trail_names_the_objects_in_french(client, session, settings) -> None:
    as_operator(client, session, settings)
    create(client, "premium", premium_days="7")
    page = client.get("/operator/trail", headers=FR)
    soup = BeautifulSoup(page.text, "html.parser")
    assert [s.get_text() for s in soup.select('span[data-kind="reward"]')] == ["Récompense"]


def test_every_action_the_code_records_has_a_name() -> None:
    """Each literal action of record_action, each export and each site action (recorded as
    sites.<action>) is named on the trail's page, so none shows as a raw code."""
    source = Path(__file__).parents[2] / "src" / "readtoearn"
    recorded: set[str] = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(
            re.findall(r'record_action\(\s*session,\s*[A-Za-z_]+,\s*"([a-z_.]+)"', text)
        )
        recorded |= {
            f"sites.{a}"
            for a in re.findall(r'record\(session, [a-z_.]+, actor, "([a-z_.]+)"', text)
        }
    recorded |= {f"export.{kind}" for kind in ("ledger", "reads", "redemptions", "readers")}
    assert len(recorded) > 35
    assert sorted(recorded - set(ACTION_LABELS)) == []


def test_a_reward_page_names_its_kind_in_french(client, session, settings) -> None:
    as_operator(client, session, settings)
    reward_id = create(client, "draw", stock="2")
    page = BeautifulSoup(
        client.get(f"/operator/rewards/{reward_id}", headers=FR).text, "html.parser"
    )
    figure = page.select_one('[data-figure="kind"] .operator__figure')
    assert figure is not None and figure.get_text() == "Tirage au sort"


def test_counts_from_a_thousand_are_grouped_in_each_language(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/budget", params={"funded": "12500", "paid": "0"})
    assert "12,500 points added to the budget." in page.text
    french = client.get(
        "/operator/budget", params={"funded": "12500", "paid": "0"}, headers=FR
    ).text
    assert "12\u202f500 points ajoutés au budget." in french
    small = client.get("/operator/budget", params={"funded": "999", "paid": "0"}, headers=FR)
    assert "999 points ajoutés au budget." in small.text
