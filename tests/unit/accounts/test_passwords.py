import pytest

from readtoearn.accounts import passwords
from readtoearn.config import Settings
from readtoearn.errors import InvalidInput


def test_hashes_are_argon2id_salted_and_verify(settings) -> None:
    first = passwords.hash_password(settings, "a long enough passphrase")
    second = passwords.hash_password(settings, "a long enough passphrase")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert "a long enough passphrase" not in first
    assert passwords.verify_password(settings, first, "a long enough passphrase")
    assert not passwords.verify_password(settings, first, "a long enough passphrasE")


def test_verify_never_raises_on_garbage(settings) -> None:
    assert not passwords.verify_password(settings, "not a hash", "whatever it is")
    assert not passwords.verify_password(settings, None, "whatever it is")
    assert passwords.needs_rehash(settings, "not a hash")


def test_rehash_needed_when_parameters_change(settings, tmp_path) -> None:
    encoded = passwords.hash_password(settings, "a long enough passphrase")
    assert not passwords.needs_rehash(settings, encoded)
    stronger = Settings(
        data_dir=tmp_path,
        password_hash_time_cost=2,
        password_hash_memory_kib=2048,
        password_hash_parallelism=1,
    )
    assert passwords.needs_rehash(stronger, encoded)
    # The old hash still verifies under the new parameters: readers are not locked out.
    assert passwords.verify_password(stronger, encoded, "a long enough passphrase")


def test_the_default_parameters_are_the_strong_ones(tmp_path) -> None:
    ph = passwords.hasher(Settings(data_dir=tmp_path))
    assert (ph.time_cost, ph.memory_cost, ph.parallelism) == (3, 65536, 4)


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "123456789",  # nine characters
        "password123",
        "PASSWORD123",
        "azertyuiop",
        "qwertyuiop",
        "1234567890",
        "0987654321",
        "abcdefghijkl",
        "aaaaaaaaaaaa",
        "abababababab",
        "ann.martin@example.org",
        "annmartin2024!",
        "x" * 1025,
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        passwords.check_strength(
            password, email="ann.martin@example.org", display_name="Ann Martin"
        )
    assert caught.value.code == "weak_password"
    assert password not in caught.value.message  # never echoed


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Tr0mbone-Sur-Le-Toit", "9 lives of a cat"]
)
def test_reasonable_passwords_pass(password: str) -> None:
    passwords.check_strength(password, email="ann.martin@example.org", display_name="Ann Martin")


def test_length_limits_are_ten_and_1024() -> None:
    passwords.check_strength("Kx9#mQ2!vL")  # exactly 10
    with pytest.raises(InvalidInput, match="at least 10"):
        passwords.check_strength("Kx9#mQ2!v")
    passwords.check_strength("Kx9#mQ2!vL" * 102 + "ab")  # 1022
