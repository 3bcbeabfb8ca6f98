"""Alembic environment: runs on the connection ``neuronlab.store.schema`` hands over (no alembic.ini).

That connection is already inside the write transaction that holds the migration lock, so Alembic
joins it instead of opening its own; the caller commits.  Offline (``sql=True``) it renders the head
schema's DDL for one dialect, which ``neuronlab.store.snapshot`` freezes so new stores skip Alembic.

New revision (from a checkout; then ``python -m neuronlab.store.snapshot`` and bump ``HEAD_REVISION``)::

    python -c "from alembic import command; from neuronlab.store.schema import alembic_config; \\
               command.revision(alembic_config(), 'what changed', rev_id='0002')"
"""

from __future__ import annotations

from alembic import context

from neuronlab.store.models import Base

if context.is_offline_mode():
    # Rendering the migrations as one dialect's SQL script (``neuronlab.store.snapshot``): the statements
    # only, no BEGIN/COMMIT, since whoever runs them does so inside its own locked transaction.
    context.configure(dialect_name=context.config.attributes["dialect"], literal_binds=True,
                      target_metadata=Base.metadata, render_as_batch=True, transactional_ddl=False)
else:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run store migrations through neuronlab.store.upgrade(url) (`neuronlab db upgrade`)")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
