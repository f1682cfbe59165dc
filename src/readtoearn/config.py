"""Settings, read from the environment with the READTOEARN_ prefix."""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Everything an operator can set; each field is READTOEARN_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="READTOEARN_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = Field(default="", repr=False)
    redis_url: str = ""

    site_name: str = "readtoearn"
    site_tagline: str = "News worth your time, and points for reading it"
    base_url: str = "http://127.0.0.1:8000"
    # Publishers' sites allowed to call the API from the browser (the embedded tracker).
    cors_origins: list[str] = []
    default_language: str = "en"
    # Pages anonymous readers share (docs/operations.md, "Cached pages"): this many kept rendered
    # in each process (0: none); how long a browser, CDN or proxy may use one without asking
    # again, and serve it while it asks; how often a process checks the database for changed
    # articles (an edit made through another worker shows within that time).
    page_cache_entries: Annotated[int, Field(ge=0, le=100_000)] = 2000
    page_cache_max_age_s: Annotated[int, Field(ge=0, le=86400)] = 60
    page_cache_stale_s: Annotated[int, Field(ge=0, le=7 * 86400)] = 300
    page_cache_check_s: Annotated[float, Field(ge=0, le=3600)] = 1.0

    # Reading speeds (words per minute) used for "N min read"; see docs/configuration.md.
    reading_wpm_en: Annotated[int, Field(ge=50, le=1000)] = 238
    reading_wpm_fr: Annotated[int, Field(ge=50, le=1000)] = 220

    # Importing from the web: bounded in time, size and redirects.
    fetch_timeout_s: Annotated[float, Field(gt=0, le=120)] = 15.0
    fetch_max_bytes: Annotated[int, Field(gt=0)] = 10 * 1024 * 1024
    fetch_max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    # The console's imports (an editor's URL or feed) fetch public addresses only, unless set.
    import_private_addresses: bool = False
    # `readtoearn import`: processes that extract and summarise articles (0: one per core, for
    # imports of 8 articles or more); see docs/import.md.
    import_workers: Annotated[int, Field(ge=0, le=64)] = 0

    # The operator console: a reward's uploaded image (resized, kept in the data directory) and
    # a code pool's CSV, each refused above this many bytes.
    reward_image_max_bytes: Annotated[int, Field(gt=0, le=50 * 1024 * 1024)] = 5 * 1024 * 1024
    reward_image_max_px: Annotated[int, Field(ge=64, le=4000)] = 800
    code_csv_max_bytes: Annotated[int, Field(gt=0, le=100 * 1024 * 1024)] = 2 * 1024 * 1024

    # Summaries: the built-in offline summariser, or an OpenAI-compatible chat-completions API
    # (falls back to the built-in one on any error). The key is never logged.
    summary_backend: Literal["builtin", "openai"] = "builtin"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout_s: Annotated[float, Field(gt=0, le=300)] = 20.0
    quiz_bonus_points: Annotated[int, Field(ge=0, le=10_000)] = 5

    # Ledger: points expire this many days after the day they were credited (None: never).
    points_expiry_days: Annotated[int | None, Field(ge=1, le=36500)] = None
    # The programme's rules stored from the console reach every worker process within this many
    # seconds (each worker looks at the stored rules this often; 0: only at start).
    rules_poll_s: Annotated[float, Field(ge=0, le=3600)] = 5.0
    # The server runs `ledger expire` itself at startup and then this often (0: only from cron).
    ledger_expire_every_s: Annotated[int, Field(ge=0, le=7 * 86400)] = 3600

    # Reading: what a genuine read is (docs/reading.md) and what it earns.
    points_per_read: Annotated[int, Field(ge=1, le=100_000)] = 10
    points_scale_by_time: bool = False
    daily_read_cap: Annotated[int, Field(ge=1)] = 20
    daily_points_cap: Annotated[int, Field(ge=1)] = 500
    reading_max_wpm: Annotated[int, Field(ge=100, le=2000)] = 400
    reading_max_screen_wpm: Annotated[int, Field(ge=200, le=5000)] = 1000
    reading_min_paragraph_ratio: Annotated[float, Field(gt=0, le=1)] = 0.8
    reading_min_beats: Annotated[int, Field(ge=1, le=100)] = 3
    beat_interval_s: Annotated[int, Field(ge=5, le=60)] = 12
    view_token_max_age_s: Annotated[int, Field(ge=60)] = 6 * 3600
    velocity_max_reads_per_hour: Annotated[int, Field(ge=1)] = 12
    # Open reads live in memory (or Redis) between beats; one idle this long is written to the
    # database and forgotten (docs/reading.md, "Where an open read lives").
    reading_flush_idle_s: Annotated[int, Field(ge=10, le=86400)] = 300
    # How long the beat route trusts a session or token it has checked (0: check every beat).
    beat_auth_cache_s: Annotated[int, Field(ge=0, le=300)] = 10
    # Adds bench/beats.py's baselines: POST /api/v1/_bench/noop (a beat-shaped body parsed
    # behind the whole stack) and /api/v1/_bench/door-noop (the same, answered by the beat door).
    bench_routes: bool = False

    # Crowds (docs/operations.md): how long a request waits for the database before a 503 busy,
    # how many requests one worker holds at once (per lane) before it answers 503 at the door, and
    # how many units of work (read starts, completions, quiz answers, grants, redemptions, logins,
    # sign-ups) share one commit.
    db_wait_s: Annotated[float, Field(gt=0, le=60)] = 5.0
    max_in_flight: Annotated[int, Field(ge=1, le=100_000)] = 256
    group_commit_max: Annotated[int, Field(ge=1, le=10_000)] = 100

    # The programme's money: what one point is worth to the operator (for the liability figure).
    point_value: Annotated[Decimal, Field(ge=0, le=1_000_000)] = Decimal("0.01")
    point_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"

    # /metrics answers only `Authorization: Bearer <metrics_token>`; without a token it is off
    # (404), so the app's port never shows its figures to everyone (docs/operations.md).
    metrics_token: str = Field(default="", repr=False)

    # Accounts: sessions, API tokens, password hashing (argon2id), login limits, e-mail.
    session_days: Annotated[int, Field(ge=1, le=365)] = 14
    api_token_days: Annotated[int, Field(ge=1, le=3650)] = 30
    password_hash_time_cost: Annotated[int, Field(ge=1, le=20)] = 3
    password_hash_memory_kib: Annotated[int, Field(ge=64, le=4 * 1024 * 1024)] = 65536
    password_hash_parallelism: Annotated[int, Field(ge=1, le=16)] = 4
    # Memory one process may spend on argon2 at once: it runs at most
    # max(1, budget // memory per hash) hashes together and answers 503 busy beyond that, so a
    # crowd of logins cannot make a worker's memory grow without bound (docs/operations.md).
    password_hash_memory_budget_mib: Annotated[int, Field(ge=1, le=1024 * 1024)] = 256
    login_max_attempts: Annotated[int, Field(ge=1)] = 10
    login_max_attempts_per_ip: Annotated[int, Field(ge=1)] = 50
    login_window_s: Annotated[int, Field(ge=1)] = 900
    # After this many failed logins for an address in the window, the login page asks for a proof
    # of work too, and each further attempt waits login_slowdown_s more (at most 5 s) before its
    # password is checked (0: no wait). Beyond login_max_attempts the address is locked, except
    # for its owner's right password from a device the account was seen on (docs/accounts.md).
    login_pow_after: Annotated[int, Field(ge=0)] = 3
    login_slowdown_s: Annotated[float, Field(ge=0, le=60)] = 1.0
    integrator_secret: str = Field(default="", repr=False)
    # Publishers' sites (docs/integration.md): a reader's sign-in token (JWT) must expire within
    # this many seconds; the script tag's lookups allowed per address group.
    sso_max_lifetime_s: Annotated[int, Field(ge=60, le=86400)] = 3600
    rate_limit_embed: str = "300/minute"
    # Webhooks: the worker in `serve` looks for due deliveries this often (0: never; then
    # `readtoearn sites deliver` sends them), waits this long for a receiver, and retries a failed
    # delivery for this many hours after it was queued.
    webhook_poll_s: Annotated[float, Field(ge=0, le=3600)] = 2.0
    webhook_timeout_s: Annotated[float, Field(gt=0, le=60)] = 10.0
    webhook_retry_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 24
    # Deliveries to addresses that are not public (loopback, private networks, link-local) are
    # refused unless this is set: a receiver on the same network as the server.
    webhook_private_addresses: bool = False

    # Trust (docs/fraud.md, docs/privacy.md). The client's address is the socket's peer, or the
    # X-Forwarded-For entry left by the last of these proxies (addresses or CIDR ranges).
    trusted_proxies: list[str] = []
    device_cookie_days: Annotated[int, Field(ge=1, le=3650)] = 400
    # Signals on a completed read (each holds it for review when it fires).
    fraud_accounts_per_device: Annotated[int, Field(ge=1)] = 1
    fraud_reads_per_device_per_day: Annotated[int, Field(ge=1)] = 20
    fraud_reads_per_address_per_day: Annotated[int, Field(ge=1)] = 60
    fraud_readers_per_address_per_day: Annotated[int, Field(ge=1)] = 6
    fraud_signups_per_address_per_hour: Annotated[int, Field(ge=1)] = 5
    fraud_lockstep_window_s: Annotated[int, Field(ge=0, le=86400)] = 900
    fraud_lockstep_similarity: Annotated[float, Field(gt=0, le=1)] = 0.85
    # Quiz answers faster than the questions read at this pace earn no bonus (0: no check).
    quiz_max_wpm: Annotated[int, Field(ge=0, le=5000)] = 600
    # What is kept of devices and addresses, and for how long (docs/privacy.md).
    fraud_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    # A reader may appeal a held or rejected read once, within this many days; held reads nobody
    # decides are voided after held_timeout_days.
    appeal_days: Annotated[int, Field(ge=0, le=365)] = 14
    held_timeout_days: Annotated[int, Field(ge=1, le=3650)] = 30
    # A cost per account: proof of work (ALTCHA) at sign-up, token exchange and redemption.
    pow_enabled: bool = True
    pow_max_number: Annotated[int, Field(ge=10, le=10_000_000)] = 100_000
    pow_expires_s: Annotated[int, Field(ge=30, le=86400)] = 600
    # Rate limits in the notation of the `limits` library ("5/hour", "10 per 15 minutes"), per
    # address group, and per account where there is one; kept in Redis when redis_url is set.
    rate_limit_signup: str = "10/hour"
    rate_limit_login: str = "30/15 minutes"
    rate_limit_token: str = "30/15 minutes"  # noqa: S105 - a rate, not a secret
    rate_limit_start_read: str = "120/minute"
    rate_limit_redeem: str = "20/hour"
    # Trust before payout: what a reader needs before spending points.
    redeem_require_verified_email: bool = True
    redeem_min_account_days: Annotated[int, Field(ge=0, le=3650)] = 7
    redeem_min_read_days: Annotated[int, Field(ge=0, le=365)] = 3
    # Redemptions costing more than this wait for an operator (0: none do).
    redeem_review_above_points: Annotated[int, Field(ge=0)] = 5000
    email_verification_days: Annotated[int, Field(ge=1, le=90)] = 7

    # Daily check-ins, streaks and leaderboards (docs/engagement.md).
    checkin_points: Annotated[int, Field(ge=0, le=100_000)] = 5
    # Extra points when a streak reaches a length, as {days: points} (JSON in the environment).
    streak_milestones: dict[Annotated[int, Field(ge=2, le=3650)], Annotated[int, Field(ge=0)]] = {
        7: 20,
        30: 100,
        100: 500,
    }
    # What keeps a streak alive: a check-in only, or a check-in or a credited read.
    streak_counts: Literal["checkin", "checkin_or_read"] = "checkin_or_read"
    # One freeze is earned every this many days of streak (0: none), and at most this many held.
    streak_freeze_every_days: Annotated[int, Field(ge=0, le=365)] = 7
    streak_freeze_max: Annotated[int, Field(ge=0, le=10)] = 2
    # A check-in pays only after a credited read in the last this many days (0: no such rule).
    checkin_read_days: Annotated[int, Field(ge=0, le=365)] = 3
    # The reader's calendar day before they choose a time zone (and the leaderboards' weeks).
    default_time_zone: str = "UTC"
    leaderboard_time_zone: str = "UTC"
    leaderboard_size: Annotated[int, Field(ge=1, le=1000)] = 20
    # Reminder e-mails (docs/engagement.md): points expiring within this many days are announced
    # (each at most once, a reader hears at most once in this many days), and a quest a reader
    # follows this many days before it closes. Readers turn them off from any reminder.
    reminder_expiry_days: Annotated[int, Field(ge=1, le=90)] = 7
    reminder_quest_closing_days: Annotated[int, Field(ge=1, le=30)] = 2

    # Quests (docs/quests.md): a step's article read and credited before the quest started counts
    # (False: only reads from the quest's start); tries at a quest's own quiz; questions of a
    # quiz drawn from the steps' key figures.
    quest_count_earlier_reads: bool = True
    quest_quiz_attempts: Annotated[int, Field(ge=1, le=100)] = 3
    quest_quiz_questions: Annotated[int, Field(ge=1, le=10)] = 3

    smtp_host: str = ""
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = True

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("en", "fr"):
            raise ValueError("default_language must be 'en' or 'fr'")
        return value

    @field_validator("default_time_zone", "leaderboard_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: str) -> str:
        if value and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"secret_key must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("integrator_secret")
    @classmethod
    def _strong_integrator_secret(cls, value: str) -> str:
        if value and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"integrator_secret must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'readtoearn.sqlite3').resolve()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The secret key; generated once into the data directory when none is set."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_FILE
        if path.exists():
            value = path.read_text().strip()
            if len(value) >= MIN_SECRET_LENGTH:
                return value
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        # Written with owner-only permissions; never logged.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        return value

    def reading_wpm(self, language: str) -> int:
        """Words per minute for a language, falling back to English."""
        return self.reading_wpm_fr if language == "fr" else self.reading_wpm_en


def normalise_database_url(url: str) -> str:
    """Map plain postgres:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
