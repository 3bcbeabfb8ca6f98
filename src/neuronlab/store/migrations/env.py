"""Alembic environment: runs on the connection ``neuronlab.store.schema`` hands over (no alembic.ini).

That connection is already inside the write transaction that holds the migration lock, so Alembic
joins it instead of opening its own; the caller commits.  New revision (from a checkout)::

    python -c "from alembic import command; from neuronlab.store.schema import alembic_config; \\
               command.revision(alembic_config(), 'what changed', rev_id='0002')"
"""

from __future__ import annotations

from alembic import context

from neuronlab.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run store migrations through neuronlab.store.upgrade(url) (`neuronlab db upgrade`)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
