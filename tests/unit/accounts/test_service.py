import json
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from readtoearn.accounts import passwords
from readtoearn.accounts import service as accounts
from readtoearn.accounts.email import OutgoingEmail
from readtoearn.accounts.models import ApiToken, PasswordReset, User, UserSession
from readtoearn.accounts.ratelimit import MemoryRateLimiter
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    RateLimited,
    Unauthorized,
)

from .conftest import INTEGRATOR_SECRET

PASSWORD = "correct horse battery"


class Outbox:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, message: OutgoingEmail) -> None:
        self.sent.append(message)

    def link_secret(self) -> str:
        line = next(ln for ln in self.sent[-1].body.splitlines() if "/account/reset/" in ln)
        return line.rsplit("/", 1)[1]


def join(session, settings, email="ann@example.org", **kwargs) -> User:
    kwargs.setdefault("password", PASSWORD)
    return accounts.create_user(session, settings, email=email, **kwargs)


# -- joining -----------------------------------------------------------------------------------


def test_register_reader_normalises_and_hashes(session, settings) -> None:
    user = accounts.register_reader(
        session,
        settings,
        email="  Ann@Example.ORG ",
        password=PASSWORD,
        display_name=" Ann  M ",
        language="fr",
    )
    assert user.email == "ann@example.org"
    assert user.display_name == "Ann M"
    assert user.language == "fr"
    assert not user.is_operator
    assert user.password_hash is not None and PASSWORD not in user.password_hash
    assert passwords.verify_password(settings, user.password_hash, PASSWORD)
    assert session.get(User, user.id) is user


def test_defaults_name_and_language(session, settings) -> None:
    user = join(session, settings, email="bob.smith@example.org")
    assert user.display_name == "bob.smith"
    assert user.language == settings.default_language


def test_email_is_unique_whatever_its_case(session, settings) -> None:
    join(session, settings)
    with pytest.raises(Conflict) as caught:
        join(session, settings, email="ANN@example.org ")
    assert caught.value.code == "email_taken"
    assert session.scalar(select(User.id).where(User.email == "ann@example.org"))


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "ann",
        "ann@",
        "@example.org",
        "a b@example.org",
        "ann@example",
        "x" * 250 + "@example.org",
    ],
)
def test_bad_addresses_are_refused(session, settings, email) -> None:
    with pytest.raises(InvalidInput):
        join(session, settings, email=email)


def test_bad_language_and_weak_password_are_refused(session, settings) -> None:
    with pytest.raises(InvalidInput, match="language"):
        join(session, settings, language="de")
    with pytest.raises(InvalidInput, match="too easy"):
        join(session, settings, password="password123")
    with pytest.raises(InvalidInput, match="120"):
        join(session, settings, display_name="n" * 121)
    assert accounts.list_users(session) == []


def test_list_and_get_users(session, settings) -> None:
    ann = join(session, settings)
    bob = join(session, settings, email="bob@example.org", is_operator=True)
    assert [u.email for u in accounts.list_users(session)] == ["ann@example.org", "bob@example.org"]
    assert accounts.get_user(session, str(bob.id)) is bob
    assert accounts.get_user_by_email(session, " ANN@example.org") is ann


# -- logging in --------------------------------------------------------------------------------


def test_authenticate(session, settings) -> None:
    user = join(session, settings)
    limiter = MemoryRateLimiter()
    found = accounts.authenticate(
        session, settings, limiter, email=" ANN@example.org", password=PASSWORD
    )
    assert found is user and user.last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(session, settings) -> None:
    join(session, settings)
    limiter = MemoryRateLimiter()
    messages = set()
    for email, password in [
        ("ann@example.org", "not the password"),
        ("nobody@example.org", PASSWORD),
    ]:
        with pytest.raises(Unauthorized) as caught:
            accounts.authenticate(session, settings, limiter, email=email, password=password)
        messages.add((caught.value.code, caught.value.message))
    assert messages == {("bad_credentials", "wrong e-mail or password")}


def test_unknown_email_still_verifies_a_hash(session, settings, monkeypatch) -> None:
    calls = []
    real = PasswordHasher.verify

    def spy(self, encoded, password):
        calls.append(encoded)
        return real(self, encoded, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    with pytest.raises(Unauthorized):
        accounts.authenticate(
            session, settings, MemoryRateLimiter(), email="nobody@example.org", password=PASSWORD
        )
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_unknown_email_takes_about_as_long_as_a_wrong_password(session, tmp_path) -> None:
    slow = Settings(
        data_dir=tmp_path,
        password_hash_time_cost=2,
        password_hash_memory_kib=16384,
        password_hash_parallelism=1,
    )
    join(session, slow)
    limiter = MemoryRateLimiter()

    def timed(email: str) -> float:
        start = time.perf_counter()
        with pytest.raises(Unauthorized):
            accounts.authenticate(session, slow, limiter, email=email, password="wrong password!")
        return time.perf_counter() - start

    timed("nobody@example.org")  # the dummy hash is made once
    known = min(timed("ann@example.org") for _ in range(5))
    unknown = min(timed("nobody@example.org") for _ in range(5))
    # Without the dummy hash an unknown address answers ~50 times faster; the margin absorbs the
    # noise of a busy machine.
    assert unknown > known / 4 and known > unknown / 4


def test_disabled_accounts_cannot_log_in(session, settings) -> None:
    user = join(session, settings)
    user.is_active = False
    with pytest.raises(Unauthorized):
        accounts.authenticate(
            session, settings, MemoryRateLimiter(), email=user.email, password=PASSWORD
        )


def test_login_rehashes_when_parameters_change(session, settings, tmp_path) -> None:
    user = join(session, settings)
    old_hash = user.password_hash
    stronger = settings.model_copy(update={"password_hash_time_cost": 2})
    accounts.authenticate(
        session, stronger, MemoryRateLimiter(), email=user.email, password=PASSWORD
    )
    assert user.password_hash != old_hash
    assert user.password_hash is not None and "t=2" in user.password_hash
    assert not passwords.needs_rehash(stronger, user.password_hash)
    # Unchanged parameters: the hash is left alone.
    same = user.password_hash
    accounts.authenticate(
        session, stronger, MemoryRateLimiter(), email=user.email, password=PASSWORD
    )
    assert user.password_hash == same


def test_failed_logins_are_limited_per_email(session, settings) -> None:
    limited = settings.model_copy(update={"login_max_attempts": 3})
    user = join(session, settings)
    limiter = MemoryRateLimiter()
    for _ in range(3):
        with pytest.raises(Unauthorized):
            accounts.authenticate(
                session, limited, limiter, email=user.email, password="nope nope nope"
            )
    with pytest.raises(RateLimited) as caught:
        accounts.authenticate(session, limited, limiter, email=user.email, password=PASSWORD)
    assert "too many" in caught.value.message
    # Another address is not affected.
    join(session, settings, email="bob@example.org")
    accounts.authenticate(session, limited, limiter, email="bob@example.org", password=PASSWORD)


def test_success_clears_the_email_count(session, settings) -> None:
    limited = settings.model_copy(update={"login_max_attempts": 3})
    user = join(session, settings)
    limiter = MemoryRateLimiter()
    for _ in range(5):
        with pytest.raises(Unauthorized):
            accounts.authenticate(
                session, limited, limiter, email=user.email, password="nope nope nope"
            )
        with pytest.raises(Unauthorized):
            accounts.authenticate(
                session, limited, limiter, email=user.email, password="nope nope nope"
            )
        accounts.authenticate(session, limited, limiter, email=user.email, password=PASSWORD)


def test_failed_logins_are_limited_per_ip(session, settings) -> None:
    limited = settings.model_copy(update={"login_max_attempts_per_ip": 4})
    limiter = MemoryRateLimiter()
    for i in range(4):
        with pytest.raises(Unauthorized):
            accounts.authenticate(
                session, limited, limiter, email=f"n{i}@example.org", password="x", ip="192.0.2.9"
            )
    user = join(session, settings)
    with pytest.raises(RateLimited):
        accounts.authenticate(
            session, limited, limiter, email=user.email, password=PASSWORD, ip="192.0.2.9"
        )
    accounts.authenticate(
        session, limited, limiter, email=user.email, password=PASSWORD, ip="192.0.2.10"
    )


# -- sessions ----------------------------------------------------------------------------------


def test_sessions_store_only_a_hash(session, settings) -> None:
    user = join(session, settings)
    secret = accounts.start_session(session, settings, user)
    assert len(secret) >= 43
    row = session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row is not None and row.token_hash == accounts.hash_secret(secret) != secret
    assert row.expires_at - utcnow() > timedelta(days=settings.session_days, minutes=-1)
    assert accounts.get_session_user(session, secret) is user
    assert accounts.get_session_user(session, secret + "x") is None
    assert accounts.get_session_user(session, row.token_hash) is None  # the hash is not a key
    assert accounts.get_session_user(session, None) is None
    assert accounts.get_session_user(session, "x" * 5000) is None


def test_sessions_expire_and_are_revocable(session, settings) -> None:
    user = join(session, settings)
    first = accounts.start_session(session, settings, user)
    second = accounts.start_session(session, settings, user)
    row = session.scalar(
        select(UserSession).where(UserSession.token_hash == accounts.hash_secret(first))
    )
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    assert accounts.get_session_user(session, first) is None
    accounts.end_session(session, second)
    assert accounts.get_session_user(session, second) is None
    accounts.end_session(session, "never issued")  # harmless


def test_a_disabled_user_loses_their_sessions_and_tokens(session, settings) -> None:
    user = join(session, settings)
    secret = accounts.start_session(session, settings, user)
    issued = accounts.issue_api_token(session, settings, user)
    user.is_active = False
    assert accounts.get_session_user(session, secret) is None
    assert accounts.get_token_user(session, issued.token) is None


def test_log_in_ends_the_previous_session(session, settings) -> None:
    user = join(session, settings)
    planted = accounts.start_session(session, settings, user)
    _user, fresh = accounts.log_in(
        session,
        settings,
        MemoryRateLimiter(),
        email=user.email,
        password=PASSWORD,
        previous_session=planted,
    )
    assert fresh != planted
    assert accounts.get_session_user(session, planted) is None
    assert accounts.get_session_user(session, fresh) is user


def test_changing_the_password_revokes_the_other_sessions(session, settings) -> None:
    user = join(session, settings)
    here = accounts.start_session(session, settings, user)
    elsewhere = accounts.start_session(session, settings, user)
    accounts.change_password(
        session, settings, user, current=PASSWORD, new="a brand new passphrase", keep_session=here
    )
    assert accounts.get_session_user(session, here) is user
    assert accounts.get_session_user(session, elsewhere) is None
    assert passwords.verify_password(settings, user.password_hash, "a brand new passphrase")


def test_changing_the_password_checks_the_current_one_and_the_rules(session, settings) -> None:
    user = join(session, settings)
    with pytest.raises(Unauthorized, match="current password"):
        accounts.change_password(session, settings, user, current="wrong!", new="a brand new one!")
    with pytest.raises(InvalidInput, match="too easy"):
        accounts.change_password(session, settings, user, current=PASSWORD, new="motdepasse123")
    with pytest.raises(InvalidInput, match="differ"):
        accounts.change_password(session, settings, user, current=PASSWORD, new=PASSWORD)
    assert passwords.verify_password(settings, user.password_hash, PASSWORD)


# -- API tokens --------------------------------------------------------------------------------


def test_api_tokens(session, settings) -> None:
    user = join(session, settings)
    issued = accounts.login_for_token(
        session, settings, MemoryRateLimiter(), email=user.email, password=PASSWORD
    )
    assert issued.user is user
    assert issued.expires_at - utcnow() > timedelta(days=settings.api_token_days, minutes=-1)
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row is not None and row.token_hash == accounts.hash_secret(issued.token)
    assert accounts.get_token_user(session, issued.token) is user
    assert accounts.get_token_user(session, "forged") is None
    # A session secret is not a bearer token, nor the other way round.
    secret = accounts.start_session(session, settings, user)
    assert accounts.get_token_user(session, secret) is None
    assert accounts.get_session_user(session, issued.token) is None


def test_api_tokens_expire_and_are_revocable(session, settings) -> None:
    short = settings.model_copy(update={"api_token_days": 1})
    user = join(session, settings)
    first = accounts.issue_api_token(session, short, user)
    assert first.expires_at - utcnow() < timedelta(days=1, minutes=1)
    second = accounts.issue_api_token(session, short, user)
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == accounts.hash_secret(first.token))
    )
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    assert accounts.get_token_user(session, first.token) is None
    accounts.revoke_api_token(session, second.token)
    assert accounts.get_token_user(session, second.token) is None
    with pytest.raises(Unauthorized):
        accounts.revoke_api_token(session, second.token)


# -- password reset ----------------------------------------------------------------------------


def test_reset_is_single_use_and_hashed(session, settings) -> None:
    user = join(session, settings, language="fr")
    outbox = Outbox()
    browser = accounts.start_session(session, settings, user)
    api = accounts.issue_api_token(session, settings, user)
    accounts.request_password_reset(
        session, settings, outbox, MemoryRateLimiter(), email=" ANN@example.org"
    )
    assert len(outbox.sent) == 1
    message = outbox.sent[0]
    assert message.to == "ann@example.org"
    assert "Réinitialiser" in message.subject  # in the reader's language
    secret = outbox.link_secret()
    assert f"http://testserver/account/reset/{secret}" in message.body
    row = session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert row is not None and row.token_hash == accounts.hash_secret(secret)
    assert row.expires_at - utcnow() <= timedelta(hours=1)
    accounts.check_reset_token(session, secret)

    assert accounts.reset_password(session, settings, secret, "a brand new passphrase") is user
    assert passwords.verify_password(settings, user.password_hash, "a brand new passphrase")
    assert accounts.get_session_user(session, browser) is None
    assert accounts.get_token_user(session, api.token) is None
    with pytest.raises(InvalidInput, match="invalid or has expired"):
        accounts.reset_password(session, settings, secret, "yet another passphrase")
    with pytest.raises(InvalidInput):
        accounts.check_reset_token(session, secret)


def test_reset_links_expire_after_an_hour(session, settings) -> None:
    join(session, settings)
    outbox = Outbox()
    accounts.request_password_reset(
        session, settings, outbox, MemoryRateLimiter(), email="ann@example.org"
    )
    row = session.scalar(select(PasswordReset))
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(InvalidInput):
        accounts.reset_password(session, settings, outbox.link_secret(), "a brand new passphrase")


def test_a_used_link_kills_the_other_links(session, settings) -> None:
    join(session, settings)
    outbox = Outbox()
    limiter = MemoryRateLimiter()
    accounts.request_password_reset(session, settings, outbox, limiter, email="ann@example.org")
    first = outbox.link_secret()
    accounts.request_password_reset(session, settings, outbox, limiter, email="ann@example.org")
    second = outbox.link_secret()
    accounts.reset_password(session, settings, second, "a brand new passphrase")
    with pytest.raises(InvalidInput):
        accounts.check_reset_token(session, first)


def test_reset_checks_the_new_password_and_keeps_the_link_on_failure(session, settings) -> None:
    join(session, settings)
    outbox = Outbox()
    accounts.request_password_reset(
        session, settings, outbox, MemoryRateLimiter(), email="ann@example.org"
    )
    with pytest.raises(InvalidInput, match="at least 10"):
        accounts.reset_password(session, settings, outbox.link_secret(), "short")
    accounts.check_reset_token(session, outbox.link_secret())


def test_reset_for_an_unknown_address_sends_nothing_and_says_nothing(session, settings) -> None:
    outbox = Outbox()
    accounts.request_password_reset(
        session, settings, outbox, MemoryRateLimiter(), email="nobody@example.org"
    )
    assert outbox.sent == []
    with pytest.raises(InvalidInput):
        accounts.request_password_reset(
            session, settings, outbox, MemoryRateLimiter(), email="nope"
        )


def test_reset_requests_are_limited_per_address(session, settings) -> None:
    join(session, settings)
    outbox = Outbox()
    limiter = MemoryRateLimiter()
    for _ in range(accounts.RESET_REQUESTS_PER_HOUR + 3):
        accounts.request_password_reset(session, settings, outbox, limiter, email="ann@example.org")
    assert len(outbox.sent) == accounts.RESET_REQUESTS_PER_HOUR


def test_a_user_without_password_can_set_one_by_reset(session, settings) -> None:
    user = join(session, settings, password=None)
    with pytest.raises(Unauthorized):
        accounts.authenticate(session, settings, MemoryRateLimiter(), email=user.email, password="")
    outbox = Outbox()
    accounts.request_password_reset(
        session, settings, outbox, MemoryRateLimiter(), email=user.email
    )
    accounts.reset_password(session, settings, outbox.link_secret(), "a brand new passphrase")
    accounts.authenticate(
        session, settings, MemoryRateLimiter(), email=user.email, password="a brand new passphrase"
    )


# -- integrators' sign-in ----------------------------------------------------------------------


def claims(**overrides):
    base = {
        "sub": "wp-42",
        "email": "Reader@Publisher.example",
        "name": "Rita",
        "exp": int(time.time()) + 300,
    }
    base.update(overrides)
    return base


def test_exchange_creates_the_reader_once(session, settings) -> None:
    assertion = accounts.sign_assertion(INTEGRATOR_SECRET, claims())
    issued = accounts.exchange_assertion(session, settings, assertion)
    user = issued.user
    assert (user.external_id, user.email, user.display_name) == (
        "wp-42",
        "reader@publisher.example",
        "Rita",
    )
    assert user.password_hash is None
    assert accounts.get_token_user(session, issued.token) is user
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row is not None and row.source == "exchange"
    # The same assertion again, within its lifetime: fine, same reader, a new token.
    again = accounts.exchange_assertion(session, settings, assertion)
    assert again.user is user and again.token != issued.token
    # A later assertion for the same sub finds the same reader even if the e-mail changed.
    later = accounts.sign_assertion(INTEGRATOR_SECRET, claims(email="new@publisher.example"))
    assert accounts.exchange_assertion(session, settings, later).user is user
    assert len(accounts.list_users(session)) == 1


def test_exchange_refuses_bad_signatures(session, settings) -> None:
    forged = accounts.sign_assertion("another-secret-that-is-long-enough-000000", claims())
    with pytest.raises(Unauthorized) as caught:
        accounts.exchange_assertion(session, settings, forged)
    assert caught.value.code == "invalid_assertion"
    good = accounts.sign_assertion(INTEGRATOR_SECRET, claims())
    payload, signature = good.split(".")
    tampered_payload = accounts._b64encode(json.dumps(claims(sub="admin")).encode())
    for bad in [
        f"{tampered_payload}.{signature}",
        payload,
        f"{payload}.",
        f"{payload}.!!!",
        "",
        ".",
    ]:
        with pytest.raises(Unauthorized):
            accounts.exchange_assertion(session, settings, bad)
    assert accounts.list_users(session) == []


def test_exchange_refuses_expired_and_too_long_assertions(session, settings) -> None:
    expired = accounts.sign_assertion(INTEGRATOR_SECRET, claims(exp=int(time.time()) - 1))
    with pytest.raises(Unauthorized) as caught:
        accounts.exchange_assertion(session, settings, expired)
    assert caught.value.code == "assertion_expired"
    far = accounts.sign_assertion(INTEGRATOR_SECRET, claims(exp=int(time.time()) + 7200))
    with pytest.raises(Unauthorized, match="within an hour"):
        accounts.exchange_assertion(session, settings, far)


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": "tomorrow"},
        {"exp": True},
        {"sub": ""},
        {"sub": None},
        {"email": None},
        {"email": "nope"},
    ],
)
def test_exchange_refuses_malformed_claims(session, settings, overrides) -> None:
    assertion = accounts.sign_assertion(INTEGRATOR_SECRET, claims(**overrides))
    with pytest.raises(InvalidInput):
        accounts.exchange_assertion(session, settings, assertion)


def test_exchange_needs_the_setting(session, settings) -> None:
    disabled = settings.model_copy(update={"integrator_secret": ""})
    assertion = accounts.sign_assertion("", claims())
    with pytest.raises(Forbidden):
        accounts.exchange_assertion(session, disabled, assertion)


def test_exchange_does_not_take_over_an_existing_account(session, settings) -> None:
    join(session, settings, email="reader@publisher.example")
    assertion = accounts.sign_assertion(INTEGRATOR_SECRET, claims())
    with pytest.raises(Conflict):
        accounts.exchange_assertion(session, settings, assertion)


def test_secrets_are_random_and_long() -> None:
    values = {accounts.new_secret() for _ in range(100)}
    assert len(values) == 100
    assert all(len(v) >= 43 for v in values)
    assert (
        accounts.hash_secret("abc")
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
