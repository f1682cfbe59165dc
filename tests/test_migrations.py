from readtoearn import migrations


def test_models_and_migrations_agree(engine) -> None:
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    assert migrations.pending_changes(engine) == []
