"""The class lab in the browser: a FastAPI app over the library (playground, runs, scoreboard).

``create_app(db_url)`` builds the app; ``serve(host=, port=, db=, workers=)`` binds the port, prints the
URL and runs it with uvicorn, in one or several worker processes over one store.  The routes hold no
training or scoring logic: they call :mod:`neuronlab.playground`, :mod:`neuronlab.store` and
:mod:`neuronlab.classroom`.
"""

from neuronlab.web.app import create_app
from neuronlab.web.server import serve

__all__ = ["create_app", "serve"]
