"""The WSGI entry point: the target of gunicorn and `flask --app wsgi`."""
from keren import create_app

app = create_app()
