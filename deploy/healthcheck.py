"""docker-compose's healthcheck of the web container: `python deploy/healthcheck.py [PATH]`.

Asks gunicorn inside the container for PATH (default /healthz/ready) with the first host name
the deployment allows (DJANGO_ALLOWED_HOSTS), since production answers other names with 400;
exits 0 on 200, 1 otherwise. /healthz is exempt from the HTTPS redirect, so plain HTTP on the
container's own port is enough. Standard library only: it runs every few seconds.
"""

import http.client
import os
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/healthz/ready"
host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip() or "localhost"
connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=12)
try:
    connection.request("GET", path, headers={"Host": host})
    status = connection.getresponse().status
except OSError as error:
    print(f"no answer: {error}")
    sys.exit(1)
print(status)
sys.exit(0 if status == 200 else 1)
