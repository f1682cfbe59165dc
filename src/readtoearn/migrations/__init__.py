"""Alembic migrations shipped inside the package, so an installed wheel can upgrade its database."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

HERE = Path(__file__).parent

# Every domain that owns tables; env.py and the model/migration check load them all.
MODEL_MODULES = (
    "readtoearn.articles.models",
    "readtoearn.accounts.models",
    "readtoearn.ledger.models",
    "readtoearn.reading.models",
    "readtoearn.summaries.models",
    "readtoearn.rewards.models",
    "readtoearn.fraud.models",
    "readtoearn.quests.models",
    "readtoearn.sites.models",
)


def load_metadata() -> MetaData:
    """Import every model module and return the shared metadata."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    from readtoearn.db import Base

    return Base.metadata


# Database objects that are no model: the search index of migration 0016 (an FTS5 table and
# its shadow tables on SQLite; a generated tsvector column and its GIN index on PostgreSQL;
# articles/search.py).
UNMODELLED_PREFIX = "article_search"


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Whether the model/migration comparison looks at a database object."""
    unmodelled = (name or "").startswith(UNMODELLED_PREFIX)
    return not (type_ in ("table", "index", "column") and unmodelled)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to an engine, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to a revision (by default the newest)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), or None when it has never been migrated."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revision(engine: Engine) -> str | None:
    """The newest revision(s) the package ships."""
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    return ",".join(sorted(heads)) or None


def pending_changes(engine: Engine) -> list[object]:
    """Differences between the models and the migrated database (empty when they agree)."""
    from alembic.autogenerate import compare_metadata

    metadata = load_metadata()
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
        )
        return list(compare_metadata(context, metadata))
