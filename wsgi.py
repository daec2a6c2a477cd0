"""The WSGI entry point: `gunicorn wsgi:app`."""

from newsroom import create_app

app = create_app(serving=True)
