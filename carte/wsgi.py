"""The application for a WSGI server: `gunicorn carte.wsgi:app` (docs/deployment.md).

A setting that cannot work (a bad CARTE_DATABASE_URL) is one French sentence on stderr and exit status
APP_LOAD_ERROR, never a traceback: gunicorn then stops with "App failed to load." instead of booting
workers again, with or without --preload.
"""

from __future__ import annotations

from carte import create_app_or_exit

#: gunicorn's Arbiter.APP_LOAD_ERROR: a worker exiting with it halts the server at once.
APP_LOAD_ERROR = 4

app = create_app_or_exit(APP_LOAD_ERROR)
