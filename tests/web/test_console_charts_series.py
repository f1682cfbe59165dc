"""The console's charts, each series the issue names against seeded figures: points redeemed
and expired per day, sign-ups per day, and the review queue's age by bucket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from readtoearn.db import new_id, utcnow
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import TransferCode
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_console_charts import marks
from tests.web.test_console_trail import as_operator

pytestmark = pytest.mark.real_day


def test_redeemed_expired_signups_and_queue_ages(client, session, settings, clock) -> None:
    now = utcnow()
    clock.advance((now - clock.now()).total_seconds())
    today, yesterday = now.date(), (now - timedelta(days=1)).date()
    boss = as_operator(client, session, settings)
    fund(session, 10_000)
    ada, _ = make_reader(session, settings, "ada")
    bob, _ = make_reader(session, settings, "bob")
    old, _ = make_reader(session, settings, "old")
    old.created_at = now - timedelta(days=1)
    boss.created_at = now - timedelta(days=400)
    # Bob's 30 points, granted three days ago (before the range), expire today; then Ada gets
    # 100 and spends 50 on a reward.
    grant = TransferSpec(
        id=new_id(),
        debit_account_id=ledger.programme_budget(session),
        credit_account_id=ledger.get_or_create_wallet(session, bob.id),
        amount=30,
        code=TransferCode.ADJUSTMENT,
    )
    ledger.create_transfers(session, [grant], now=now - timedelta(days=3))
    assert ledger.expire(session, utcnow(), expiry_days=1).points == 30
    rewards.grant_points(session, ada.id, 100, "welcome")
    pass_ = rewards.create_reward(
        session,
        rewards.RewardDraft(kind=RewardKind.PREMIUM, name_en="Pass", cost=50, premium_days=7),
    )
    rewards.redeem(session, ada.id, pass_.id, "pass-1")
    # Held reads that have waited half a day, two days, ten days and forty days.
    for n, waited in enumerate((0.5, 2, 10, 40)):
        article = make_article(session, settings, title=f"A{n}", url=f"https://news.example/{n}")
        make_read(
            session, ada.id, article.id, status="held", completed_at=now - timedelta(days=waited)
        )
    session.commit()

    page = client.get("/operator/charts", params={"since": str(yesterday), "until": str(today)})
    assert page.status_code == 200, page.text
    assert marks(page.text, "redeemed") == [(str(yesterday), 0), (str(today), 50)]
    assert marks(page.text, "expired") == [(str(yesterday), 0), (str(today), 30)]
    assert marks(page.text, "issued") == [(str(yesterday), 0), (str(today), 100)]
    # The wallets held Bob's 30 when the range began; at the end, Ada's 50.
    assert marks(page.text, "liability") == [(str(yesterday), 30), (str(today), 50)]
    assert marks(page.text, "signups") == [(str(yesterday), 1), (str(today), 2)]
    rows = BeautifulSoup(page.text, "html.parser").select('[data-table="queue-ages"] tbody tr')
    ages = {row["data-bucket"]: row.find_all("td")[1].get_text(strip=True) for row in rows}
    assert ages == {"0": "1", "1": "1", "3": "0", "7": "1", "30": "1"}
