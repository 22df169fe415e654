"""WSGI entry point (gunicorn, if preferred to uvicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
application = get_wsgi_application()
