"""The class lab in the browser: a FastAPI app over the library (playground, runs, scoreboard).

``create_app(db_url)`` builds the app; ``serve(host, port, db)`` runs it with uvicorn.  The routes
hold no training or scoring logic: they call :mod:`neuronlab.playground`, :mod:`neuronlab.store` and
:mod:`neuronlab.classroom`.
"""

from neuronlab.web.app import create_app, serve

__all__ = ["create_app", "serve"]
