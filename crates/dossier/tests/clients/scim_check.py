"""Runs scim2-tester's RFC 7643/7644 compliance checks against a running Dossier.

Usage: scim_check.py BASE_URL TOKEN, where TOKEN is an access token with the scim scope.
Prints every check's result and exits 1 if any check reports ERROR or CRITICAL, unless it
is listed in EXCLUDED with the reason it tests something outside the RFCs.
"""

import collections
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

# (check title, attribute path in the check's data or None) -> why the failure is not a
# defect of the server. Keep this empty unless a check contradicts RFC 7643/7644.
EXCLUDED: dict[tuple[str, str | None], str] = {}

FAILING = (Status.ERROR, Status.CRITICAL)


def urn_of(result):
    data = result.data
    return data.get("urn") if isinstance(data, dict) else None


def main() -> int:
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    http = Client(
        base_url=f"{base}/scim/v2",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    client = SyncSCIMClient(http)
    results = check_server(client)
    counts = collections.Counter()
    failures = 0
    for r in results:
        key = (r.title, urn_of(r))
        reason = EXCLUDED.get(key) or EXCLUDED.get((r.title, None))
        label = r.status.name
        if r.status in FAILING and reason:
            label = f"EXCLUDED ({reason})"
        elif r.status in FAILING:
            failures += 1
        counts[r.status.name] += 1
        print(f"{label:10} {r.resource_type or '-':6} {r.title}: {r.reason}")
    print("summary:", dict(counts), "unexcused failures:", failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
