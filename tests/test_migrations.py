from readtoearn import migrations


def test_models_and_migrations_agree(engine) -> None:
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    assert migrations.pending_changes(engine) == []


def test_the_migrations_form_one_line(tmp_path) -> None:
    from alembic.script import ScriptDirectory

    from readtoearn.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'line.sqlite3'}")
    script = ScriptDirectory.from_config(migrations.alembic_config(engine))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    engine.dispose()
