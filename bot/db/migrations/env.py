"""Alembic environment: migrations run online against the URL that bot.db.migrate puts in the config."""

from alembic import context

from bot.db import engine_for
from bot.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "bot.db.migrate sets sqlalchemy.url"

with engine_for(url).connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
