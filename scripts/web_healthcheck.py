"""docker-compose's health check of `web`: exit 0 when /healthz answers 200 on this container.

It asks gunicorn directly (127.0.0.1:$PORT, 8000 by default) under the first name in
ALLOWED_HOSTS, the one Django will answer to: with Host 127.0.0.1, which production's
ALLOWED_HOSTS does not list, every probe would be refused with a 400. /healthz is exempt from the
HTTPS redirect (SECURE_REDIRECT_EXEMPT), so plain http reaches it.
"""

import os
import sys
import urllib.error
import urllib.request


def allowed_host() -> str:
    first = next((name.strip() for name in os.environ.get("ALLOWED_HOSTS", "").split(",") if name.strip()), "")
    first = first.lstrip(".")  # ".example.org" allows example.org itself
    return first if first and first != "*" else "localhost"


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": allowed_host()})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(f"{error.code}: {error.read().decode(errors='replace')[:500]}")
    except OSError as error:
        print(f"no answer: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
