"""The WSGI entry point: serve.py serves it (granian), and any WSGI server can."""

from newsroom import create_app

app = create_app(serving=True)
