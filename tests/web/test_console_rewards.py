"""The console's rewards: create and edit every kind with an image, withdraw and restore, code
pools from CSV with a preview, draws run from the page, items shipped and delivered."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from readtoearn.accounts import trail
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RedemptionStatus, RewardKind
from tests.readers import fund, make_reader
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf
from tests.web.test_redeem_trust import outbox

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 rue des Lilas",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
}


def picture(fmt: str = "PNG", size: tuple[int, int] = (1600, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def create(client: TestClient, kind: str, **fields: str) -> str:
    token = csrf(client, f"/operator/rewards/new?kind={kind}")
    data = {"csrf_token": token, "kind": kind, "name_en": f"A {kind}", "cost": "50", **fields}
    answer = client.post("/operator/rewards/new", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("/")[-1].split("?")[0]


@pytest.fixture
def boss(client, session, settings):  # type: ignore[no-untyped-def]
    return as_operator(client, session, settings)


@pytest.mark.parametrize("kind", ["code", "premium", "physical", "draw"])
def test_every_kind_is_created_from_the_page(client, session, settings, boss, kind) -> None:
    extra = {"premium_days": "30"} if kind == "premium" else {}
    if kind in ("physical", "draw"):
        extra["stock"] = "5"
    reward_id = create(client, kind, name_fr=f"Un {kind}", **extra)
    session.expire_all()
    reward = rewards.get_reward(session, reward_id)
    assert reward.kind == kind and reward.name_fr == f"Un {kind}" and reward.cost == 50
    assert rewards.stock_left(session, reward) == (
        5 if kind in ("physical", "draw") else None if kind == "premium" else 0
    )
    [entry] = trail.list_actions(session, trail.TrailFilter(action="reward.create"))
    assert entry.actor_id == boss.id and entry.target_id == reward_id
    page = client.get(f"/operator/rewards/{reward_id}?done=created")
    assert "The reward was created." in page.text


def test_a_bad_form_is_a_message_and_creates_nothing(client, session, settings, boss) -> None:
    token = csrf(client, "/operator/rewards/new")
    data = {"csrf_token": token, "kind": "premium", "name_en": "Gold", "cost": "lots"}
    answer = client.post("/operator/rewards/new", data=data)
    assert answer.status_code == 400
    assert "a number or a date is not written as expected" in answer.text
    assert 'value="Gold"' in answer.text, "what was typed is kept"
    no_days = client.post("/operator/rewards/new", data={**data, "cost": "10"})
    assert no_days.status_code == 400
    session.expire_all()
    assert rewards.list_rewards(session, include_inactive=True) == []


def test_an_uploaded_image_is_resized_stored_and_served(client, session, settings, boss) -> None:
    token = csrf(client, "/operator/rewards/new?kind=physical")
    answer = client.post(
        "/operator/rewards/new",
        data={"csrf_token": token, "kind": "physical", "name_en": "Mug", "cost": "80"},
        files={"image": ("mug.png", picture(), "image/png")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    session.expire_all()
    [reward] = rewards.list_rewards(session, include_inactive=True)
    assert reward.image_url and reward.image_url.startswith("/rewards/images/")
    name = reward.image_url.rsplit("/", 1)[1]
    stored = settings.data_dir / "reward-images" / name
    with Image.open(stored) as image:
        assert image.format == "WEBP" and max(image.size) == settings.reward_image_max_px
    served = client.get(reward.image_url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert client.get("/rewards/images/..%2F..%2Fsecret.webp").status_code == 404
    assert client.get("/rewards/images/" + "0" * 32 + ".webp").status_code == 404


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"GIF89a not really", "The image must be a JPEG, PNG, WebP or GIF picture."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "The image must be a JPEG"),
        (None, "The image is too large."),
    ],
)
def test_a_bad_image_is_refused(client, session, settings, boss, payload, message) -> None:
    reward_id = create(client, "premium", premium_days="7")
    if payload is None:
        payload = b"\x89PNG" + b"0" * settings.reward_image_max_bytes
    token = csrf(client, f"/operator/rewards/{reward_id}")
    answer = client.post(
        f"/operator/rewards/{reward_id}/image",
        data={"csrf_token": token},
        files={"image": ("x.png", payload, "image/png")},
    )
    assert answer.status_code == 400 and message in answer.text
    session.expire_all()
    assert rewards.get_reward(session, reward_id).image_url is None
    assert (
        not list((settings.data_dir / "reward-images").glob("*"))
        if (settings.data_dir / "reward-images").exists()
        else True
    )


def test_editing_records_only_what_changed(client, session, settings, boss) -> None:
    reward_id = create(client, "premium", premium_days="7")
    page = client.get(f"/operator/rewards/{reward_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {
        "csrf_token": token,
        "name_en": "A premium",
        "name_fr": "",
        "description_en": "",
        "description_fr": "",
        "cost": "75",
        "premium_days": "7",
    }
    saved = client.post(f"/operator/rewards/{reward_id}", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    again = client.post(f"/operator/rewards/{reward_id}", data=form, follow_redirects=False)
    assert again.headers["location"].endswith("done=unchanged")
    bad = client.post(f"/operator/rewards/{reward_id}", data={**form, "cost": "0"})
    assert bad.status_code == 400
    session.expire_all()
    assert rewards.get_reward(session, reward_id).cost == 75
    [edit] = trail.list_actions(session, trail.TrailFilter(action="reward.edit"))
    assert edit.before == {"cost": 50} and edit.after == {"cost": 75}


def test_withdrawn_rewards_leave_the_store_and_come_back(client, session, settings, boss) -> None:
    reward_id = create(client, "premium", premium_days="7", name_en="Gold pass")
    assert "Gold pass" in client.get("/rewards").text
    token = csrf(client, f"/operator/rewards/{reward_id}")
    out = client.post(
        f"/operator/rewards/{reward_id}/withdraw", data={"csrf_token": token, "note": "ended"}
    )
    assert out.status_code == 200 and "it has left the store" in out.text
    assert "Gold pass" not in client.get("/rewards").text
    listed = client.get("/operator/rewards").text
    assert 'data-state="withdrawn"' in listed
    back = client.post(f"/operator/rewards/{reward_id}/restore", data={"csrf_token": token})
    assert "The reward is back in the store." in back.text
    assert "Gold pass" in client.get("/rewards").text
    session.expire_all()
    actions = [a.action for a in reversed(trail.list_actions(session))]
    assert actions == ["reward.create", "reward.withdraw", "reward.restore"]


def test_codes_from_csv_are_previewed_then_imported(client, session, settings, boss) -> None:
    reward_id = create(client, "code")
    rewards.import_codes(session, reward_id, ["OLD-1"])
    session.commit()
    csv_file = b"code\nNEW-1\nNEW-2\nNEW-1\nOLD-1\n\nNEW-3\n"
    token = csrf(client, f"/operator/rewards/{reward_id}")
    preview = client.post(
        f"/operator/rewards/{reward_id}/codes/preview",
        data={"csrf_token": token},
        files={"file": ("codes.csv", csv_file, "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    assert re.search(r'data-figure="new"><span class="operator__figure">3<', preview.text)
    assert re.search(r'data-figure="duplicates"><span class="operator__figure">2<', preview.text)
    session.expire_all()
    assert rewards.stock_left(session, rewards.get_reward(session, reward_id)) == 1, "not yet"
    codes = re.search(r'<textarea name="codes"[^>]*>([^<]*)</textarea>', preview.text).group(1)  # type: ignore[union-attr]
    done = client.post(
        f"/operator/rewards/{reward_id}/codes", data={"csrf_token": token, "codes": codes}
    )
    assert done.status_code == 200
    assert "3 codes added." in done.text and "2 duplicates refused." in done.text
    session.expire_all()
    assert rewards.stock_left(session, rewards.get_reward(session, reward_id)) == 4
    [entry] = trail.list_actions(session, trail.TrailFilter(action="reward.codes"))
    assert entry.after == {"added": 3, "duplicates": 2, "stock": 4}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe\x00bad", "The file is not UTF-8 text."), (b"code\n\n", "The file holds no code.")],
)
def test_a_bad_csv_is_a_message(client, session, settings, boss, content, message) -> None:
    reward_id = create(client, "code")
    token = csrf(client, f"/operator/rewards/{reward_id}")
    answer = client.post(
        f"/operator/rewards/{reward_id}/codes/preview",
        data={"csrf_token": token},
        files={"file": ("codes.csv", content, "text/csv")},
    )
    assert answer.status_code == 400 and message in answer.text


def test_a_draw_runs_from_the_page_shows_its_seed_and_leaves_the_store(
    client, session, settings, boss
) -> None:
    fund(session, 10_000)
    reward_id = create(client, "draw", name_en="Trip to Lyon")
    entrants = []
    for n in range(5):
        reader, _ = make_reader(session, settings, f"e{n}")
        rewards.grant_points(session, reader.id, 100, "seed money")
        rewards.redeem(session, reader.id, reward_id, f"k{n}")
        entrants.append(reader)
    session.commit()
    page = client.get(f"/operator/rewards/{reward_id}")
    assert "5 entries so far." in page.text
    token = csrf(client, f"/operator/rewards/{reward_id}")
    ran = client.post(
        f"/operator/rewards/{reward_id}/draw",
        data={"csrf_token": token, "winners": "2", "seed": "launch-day"},
    )
    assert ran.status_code == 200 and "The draw was run." in ran.text
    assert "<code data-seed>launch-day</code>" in ran.text
    session.expire_all()
    reward = rewards.get_reward(session, reward_id)
    assert reward.draw_seed == "launch-day"
    winners = rewards.list_winners(session, reward.id)
    assert len(winners) == 2 and all(email in ran.text for _r, email in winners)
    again = client.post(
        f"/operator/rewards/{reward_id}/draw", data={"csrf_token": token, "winners": "1"}
    )
    assert again.status_code == 409
    assert "Trip to Lyon" not in client.get("/rewards").text
    restore = client.post(f"/operator/rewards/{reward_id}/restore", data={"csrf_token": token})
    assert restore.status_code == 409
    [entry] = trail.list_actions(session, trail.TrailFilter(action="reward.draw"))
    assert entry.after["seed"] == "launch-day" and entry.after["entries"] == 5


def test_an_item_goes_from_to_ship_to_delivered_and_the_reader_is_told(
    client, session, settings, boss
) -> None:
    fund(session, 10_000)
    reward_id = create(client, "physical", name_en="Tote bag", stock="3")
    reader, _ = make_reader(session, settings, "ada")
    rewards.grant_points(session, reader.id, 100, "seed money")
    done = rewards.redeem(session, reader.id, reward_id, "bag", shipping_address=ADDRESS)
    other_reward = rewards.create_reward(
        session, rewards.RewardDraft(kind=RewardKind.PHYSICAL, name_en="Cap", cost=5)
    )
    session.commit()
    rid = done.redemption.id
    page = client.get(f"/operator/rewards/{reward_id}")
    assert f'data-redemption="{rid}" data-status="awaiting_shipment"' in page.text
    assert "12 rue des Lilas" in page.text
    token = csrf(client, f"/operator/rewards/{reward_id}")
    # The form names the reward: another reward's page cannot move this redemption.
    crossed = client.post(
        f"/operator/rewards/{other_reward.id}/redemptions/{rid}/ship",
        data={"csrf_token": token},
    )
    assert crossed.status_code == 404
    early = client.post(
        f"/operator/rewards/{reward_id}/redemptions/{rid}/deliver", data={"csrf_token": token}
    )
    assert early.status_code == 409 and "This item has not been shipped." in early.text
    shipped = client.post(
        f"/operator/rewards/{reward_id}/redemptions/{rid}/ship",
        data={"csrf_token": token, "tracking_note": "La Poste 6A123"},
    )
    assert "Marked as shipped" in shipped.text and "La Poste 6A123" in shipped.text
    delivered = client.post(
        f"/operator/rewards/{reward_id}/redemptions/{rid}/deliver", data={"csrf_token": token}
    )
    assert "Marked as delivered" in delivered.text
    session.expire_all()
    redemption = rewards.get_redemption(session, rid)
    assert redemption.status == RedemptionStatus.DELIVERED
    assert redemption.tracking_note == "La Poste 6A123" and redemption.delivered_at
    mails = [m for m in outbox(settings) if m["To"] == "ada@example.org"]
    subjects = [m["Subject"] for m in mails]
    assert any("has been shipped" in s for s in subjects)
    assert any("has been delivered" in s for s in subjects)
    shipped_mail = next(m for m in mails if "shipped" in m["Subject"])
    assert "La Poste 6A123" in shipped_mail.get_content()
    actions = [a.action for a in trail.list_actions(session, trail.TrailFilter(target=str(rid)))]
    assert sorted(actions) == ["redemption.deliver", "redemption.ship"]


def test_the_rewards_pages_in_french(client, session, settings, boss) -> None:
    reward_id = create(client, "code")
    page = client.get(f"/operator/rewards/{reward_id}", headers={"Accept-Language": "fr"})
    assert "Aperçu de l’import" in page.text and "Retirer de la boutique" in page.text
    listing = client.get("/operator/rewards", headers={"Accept-Language": "fr"})
    assert "Nouvelle récompense" in listing.text


def test_a_reader_redeeming_an_item_hears_it_will_be_shipped(client, session, settings) -> None:
    fund(session, 10_000)
    mug = rewards.create_reward(
        session, rewards.RewardDraft(kind=RewardKind.PHYSICAL, name_en="Mug", cost=20)
    )
    reader, bearer = make_reader(session, settings, "ada")
    rewards.grant_points(session, reader.id, 100, "seed money")
    session.commit()
    answer = client.post(
        f"/api/v1/rewards/{mug.id}/redemptions",
        json={"shipping_address": ADDRESS},
        headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": "mug-1"},
    )
    assert answer.status_code == 201, answer.text
    again = client.post(
        f"/api/v1/rewards/{mug.id}/redemptions",
        json={"shipping_address": ADDRESS},
        headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": "mug-1"},
    )
    assert again.status_code == 201
    mails = [m for m in outbox(settings) if m["To"] == "ada@example.org"]
    assert [m["Subject"].split(": ", 1)[1] for m in mails] == ["your reward will be shipped"]
    assert "Mug" in mails[0].get_content()
