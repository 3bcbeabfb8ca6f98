"""Alembic migrations of the run store, shipped inside the package (run by ``neuronlab.store.schema``)."""
