#!/usr/bin/env python3
"""A connecting system's first call to ContactPoint: search, then open the best match.

Standard library only, so a reader can run it anywhere (a real system would use its OAuth 2
library for the first step). Against `make run`:

1. As `admin`, in Django admin, *Connecting systems* -> *Add*: organisation "Hillside Primary
   School" (teacher.a's), any name, an accreditation reference and date. The next page shows
   the client id and secret once.
2. As `teacher.a`, open http://localhost:8000/account/api-access/, choose the system, and copy
   the token (it lasts API_USER_TOKEN_MINUTES, 30 by default).
3. Run:

   CP_CLIENT_ID=cpc_... CP_CLIENT_SECRET=cps_... CP_TOKEN=cpu_... \\
       python docs/api/example_client.py --family-name Thompson

The script gets the system's access token with OAuth 2 client credentials (HTTP Basic,
``grant_type=client_credentials``), then sends it as ``Authorization: Bearer`` with the
practitioner's token as ``X-Practitioner-Token`` on each call. Every call is in the audit log
with both teacher.a and the system's client id.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class ContactPoint:
    def __init__(self, base_url: str, client_id: str, client_secret: str, token: str):
        self.base_url = base_url.rstrip("/")
        access_token = self._system_access_token(client_id, client_secret)
        self.headers = {
            "Authorization": f"Bearer {access_token}",
            "X-Practitioner-Token": token,
            "Accept": "application/json",
        }

    def _system_access_token(self, client_id: str, client_secret: str) -> str:
        """OAuth 2 client credentials (RFC 6749 4.4): the id and secret go in HTTP Basic,
        each form-encoded first (2.3.1). The token lasts ``expires_in`` seconds; a long-running
        system asks again shortly before then."""
        pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(client_secret)}"
        request = urllib.request.Request(  # noqa: S310 - http(s) only
            f"{self.base_url}/api/v1/oauth/token/",
            data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            headers={
                "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        return self._send(request)["access_token"]

    def get(self, path: str, **params: str) -> dict:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310 - http(s) only
        return self._send(request)

    @staticmethod
    def _send(request: urllib.request.Request) -> dict:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
            if "title" in body:  # application/problem+json (RFC 9457), from the API
                message = f"{body['status']} {body['title']}: {body['detail']}"
            else:  # RFC 6749 5.2, from the token endpoint
                detail = body.get("error_description") or body.get("error", "")
                message = f"{error.code} {error.reason}: {detail}"
            raise SystemExit(message) from None

    def search(self, *, family_name: str, purpose: str, **more: str) -> dict:
        return self.get("/api/v1/children/", family_name=family_name, purpose=purpose, **more)

    def record(self, public_id: str, *, purpose: str) -> dict:
        return self.get(f"/api/v1/children/{urllib.parse.quote(public_id)}/", purpose=purpose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", default=os.environ.get("CP_BASE_URL", "http://localhost:8000")
    )
    parser.add_argument("--family-name", required=True)
    parser.add_argument("--given-name", default="")
    parser.add_argument("--date-of-birth", default="", help="YYYY-MM-DD")
    parser.add_argument("--postcode", default="")
    parser.add_argument("--purpose", default="current_involvement")
    args = parser.parse_args(argv)
    try:
        api = ContactPoint(
            args.base_url,
            os.environ["CP_CLIENT_ID"],
            os.environ["CP_CLIENT_SECRET"],
            os.environ["CP_TOKEN"],
        )
    except KeyError as missing:
        parser.error(f"set {missing.args[0]} in the environment")
    result = api.search(
        family_name=args.family_name,
        given_name=args.given_name,
        date_of_birth=args.date_of_birth,
        postcode=args.postcode,
        purpose=args.purpose,
    )
    for child in result["children"]:
        band = "match" if child["strong"] else "possible match"
        print(
            f"{child['public_id']}  {child['given_name']} {child['family_name']}  "
            f"born {child['date_of_birth']}  ({band})"
        )
    if not result["children"]:
        print("No child in your records matches.")
        return 1
    record = api.record(result["children"][0]["public_id"], purpose=args.purpose)
    print(f"\nRecord of {record['given_name']} {record['family_name']}:")
    if record["identity_only"]:
        print(f"  shielded: contact {record['local_authority']}'s ContactPoint team")
    for service in record["services"]:
        print(f"  {service['organisation']}: {service['practitioner'] or '-'} {service['phone']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
