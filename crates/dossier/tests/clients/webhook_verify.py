"""Verifies one webhook delivery with the Standard Webhooks reference library
(`standardwebhooks`), independently of Dossier's own signer.

Usage: webhook_verify.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE

Prints "verified" and the event type; exits non-zero when the signature does not match
(or the timestamp is outside the library's tolerance).
"""

import json
import sys

from standardwebhooks.webhooks import Webhook


def main():
    secret, msg_id, timestamp, signature, body_file = sys.argv[1:6]
    with open(body_file, "rb") as f:
        body = f.read()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
    }
    event = Webhook(secret).verify(body, headers)
    if event.get("id") != msg_id:
        sys.exit(f"the body's id {event.get('id')!r} is not the header's {msg_id!r}")
    print("verified", event["type"])


if __name__ == "__main__":
    main()
