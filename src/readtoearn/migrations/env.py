"""Alembic environment: runs against the engine the caller passes in."""

from __future__ import annotations

from alembic import context

from readtoearn.migrations import include_name, load_metadata

config = context.config
target_metadata = load_metadata()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
