import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proteja_site.settings")
application = get_wsgi_application()

# In production, refuse to serve as a role that row-level security would not hold (superuser, BYPASSRLS, owner).
from django.db import connection  # noqa: E402

from proteja_site.database_roles import refuse_privileged_role  # noqa: E402

refuse_privileged_role(connection)
connection.close()
