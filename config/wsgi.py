import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A web process: every statement ends within the request's bound (core/timeouts.py).
from core.timeouts import statement_timeout_for_process  # noqa: E402  (needs the apps loaded)

statement_timeout_for_process(settings.CELLFLOW_STATEMENT_TIMEOUT_MS)
