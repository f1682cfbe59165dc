"""The store, a reward's page and its form, "My rewards" in the wallet, premium, French."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract
from bs4 import BeautifulSoup

from readtoearn.accounts import service as accounts
from readtoearn.rewards import kinds
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import REDEMPTION_LABELS, RewardKind
from readtoearn.rewards.service import RewardDraft
from readtoearn.web import i18n
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet

WEB = Path(__file__).resolve().parents[2] / "src" / "readtoearn" / "web"


@pytest.fixture
def store(session, settings):
    fund(session, 10_000)
    voucher = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.CODE, name_en="Voucher", name_fr="Bon", cost=50)
    )
    rewards.import_codes(session, voucher.slug, ["CODE-1", "CODE-2"])
    rewards.create_reward(
        session, RewardDraft(kind=RewardKind.PHYSICAL, name_en="Tote bag", cost=80, stock=4)
    )
    rewards.create_reward(
        session,
        RewardDraft(kind=RewardKind.PREMIUM, name_en="Premium month", cost=500, premium_days=30),
    )
    session.commit()
    return voucher


@pytest.fixture
def reader(client, session, settings):
    user, _bearer = make_reader(session, settings, "ada")
    rewards.grant_points(session, user.id, 100, "Welcome gift")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    return user


def page(client, path: str, status: int = 200) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == status, response.text
    return BeautifulSoup(response.text, "html.parser")


def form_fields(soup: BeautifulSoup) -> dict[str, str]:
    form = soup.find("form", class_="reward-form")
    assert form is not None, "the reward page has a redemption form"
    return {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}


def test_the_store_highlights_what_the_reader_can_afford(client, store, reader) -> None:
    soup = page(client, "/rewards")
    cards = {c["data-reward"]: c for c in soup.select(".reward-card")}
    assert "reward-card--affordable" in cards["voucher"]["class"]
    assert "reward-card--affordable" in cards["tote-bag"]["class"]
    assert "reward-card--affordable" not in cards["premium-month"]["class"]
    assert cards["voucher"].select_one(".reward-stock").text.strip() == "2 left"
    assert cards["premium-month"].select_one(".reward-stock").text.strip() == "Unlimited"
    assert "You have 100 points to spend." in soup.text


def test_visitors_see_the_store_and_are_asked_to_log_in(client, store) -> None:
    soup = page(client, "/rewards/voucher")
    assert soup.find("form", class_="reward-form") is None
    assert soup.find("a", href="/account/login?next=/rewards/voucher")
    page(client, "/rewards/nothing", 404)


def test_redeeming_from_the_page_reveals_the_code_in_the_wallet(
    client, session, store, reader
) -> None:
    fields = form_fields(page(client, "/rewards/voucher"))
    assert len(fields["idempotency_key"]) >= 16
    first = client.post("/rewards/voucher/redeem", data=fields, follow_redirects=False)
    assert first.status_code == 303, first.text
    assert first.headers["location"].startswith("/account/wallet")
    # A double click sends the same form again: the same key, charged once.
    again = client.post("/rewards/voucher/redeem", data=fields, follow_redirects=False)
    assert again.status_code == 303
    assert wallet(session, reader.id) == (50, 0)
    soup = page(client, "/account/wallet")
    codes = [c.text for c in soup.select("#my-rewards [data-code]")]
    assert codes == ["CODE-1"]
    history = soup.find("h2", string="History").find_next("table").text
    assert "Reward redeemed: Voucher" in history
    assert "Adjustment: Welcome gift" in history


def test_a_refusal_is_shown_on_the_page_and_charges_nothing(client, session, store, reader):
    fields = form_fields(page(client, "/rewards/tote-bag"))
    refused = client.post("/rewards/tote-bag/redeem", data=fields)
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.text, "html.parser")
    assert "shipping address" in soup.select_one(".form-error").text
    assert wallet(session, reader.id) == (100, 0)
    address = {
        "name": "Ada",
        "line1": "1 Quai",
        "postal_code": "33000",
        "city": "Bordeaux",
        "country": "FR",
    }
    done = client.post(
        "/rewards/tote-bag/redeem", data={**fields, **address}, follow_redirects=False
    )
    assert done.status_code == 303
    assert wallet(session, reader.id) == (20, 0)
    soup = page(client, "/rewards/voucher")
    assert soup.find("form", class_="reward-form") is None
    assert "not enough yet" in soup.text


def test_the_form_needs_csrf(client, store, reader) -> None:
    fields = form_fields(page(client, "/rewards/voucher"))
    fields.pop("csrf_token")
    assert client.post("/rewards/voucher/redeem", data=fields).status_code == 403


def test_premium_shows_on_the_account_wallet_and_article(client, session, settings, store, reader):
    rewards.grant_points(session, reader.id, 500, "Loyalty")
    article = make_article(session, settings, paragraphs=4)
    session.commit()
    soup = page(client, f"/articles/{article.id}/{article.slug}")
    assert soup.select_one(".badge--premium") is None
    fields = form_fields(page(client, "/rewards/premium-month"))
    assert client.post("/rewards/premium-month/redeem", data=fields).status_code == 200
    assert "Premium until" in page(client, "/account").text
    assert "Premium until" in page(client, "/account/wallet").select_one("#my-rewards").text
    soup = page(client, f"/articles/{article.id}/{article.slug}")
    assert soup.select_one(".badge--premium").text == "Premium"


def test_the_store_speaks_french(client, store, reader) -> None:
    soup = page(client, "/rewards?lang=fr")
    assert soup.h1.text == "Récompenses"
    assert "Vous avez 100 points à dépenser." in soup.text
    assert "Bon" in soup.select_one("[data-reward=voucher]").text


def test_every_rewards_string_has_a_french_translation() -> None:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    messages: set[str] = set(REDEMPTION_LABELS.values())
    # The reasons a reward cannot be redeemed, shown on the store's cards and its page.
    source = "".join(
        inspect.getsource(f).replace(f'"""{f.__doc__}"""', "")  # the messages, not the docstring
        for f in (rewards.why_blocked, rewards.check_available, kinds.Draw.check_available)
    )
    messages |= set(re.findall(r'"([A-Za-z][^"_]+ [^"]+)"', source))
    messages |= {"this reward is out of stock", "this reward is shipped: give a shipping address"}
    # What each kind gives, shown on the reward's page (rewards/kinds.py).
    messages |= {kind.what_you_get for kind in rewards.KINDS.values()}
    for path in sorted((WEB / "templates" / "rewards").glob("*")):
        with path.open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords):
                first = message[0] if isinstance(message, tuple) else message
                if first:
                    messages.add(first)
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []
