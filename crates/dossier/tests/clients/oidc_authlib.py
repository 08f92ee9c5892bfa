"""A real OpenID Connect relying party (authlib) against a running Dossier server.

Usage: oidc_authlib.py BASE_URL CLIENT_ID CLIENT_SECRET REDIRECT_URI USER PASSWORD

Discovery, authorization code with PKCE (the sign-in and consent pages are posted with
requests, as a browser would), the token exchange, ID-token validation against the JWKS
with authlib.jose, userinfo, refresh and revocation. Exits non-zero on any failure.
"""

import html.parser
import sys
import urllib.parse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


class HiddenFields(html.parser.HTMLParser):
    """Collects the hidden inputs of the page's form (HTMLParser unescapes values)."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")


def hidden_fields(page):
    p = HiddenFields()
    p.feed(page)
    return p.fields


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def main():
    base, client_id, client_secret, redirect_uri, user, password = sys.argv[1:7]
    conf = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    check(conf["issuer"] == base, "discovery names this server as the issuer")

    client = OAuth2Session(
        client_id,
        client_secret,
        scope="openid user",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(64)
    nonce = generate_token(20)
    url, state = client.create_authorization_url(
        conf["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )

    browser = requests.Session()
    page = browser.get(url, timeout=10)
    check(page.status_code == 200 and "Sign in" in page.text, "the sign-in page is shown")
    form = hidden_fields(page.text)
    form.update(username=user, password=password)
    action = urllib.parse.urljoin(base, "/auth/oauth2/authorize")
    r = browser.post(action, data=form, allow_redirects=False, timeout=10)
    if r.status_code == 200:
        check("Allow access?" in r.text, "the consent page is shown")
        form = hidden_fields(r.text)
        form["decision"] = "allow"
        r = browser.post(action, data=form, allow_redirects=False, timeout=10)
    check(r.status_code == 303, f"the browser is sent back to the app ({r.status_code})")
    callback = r.headers["Location"]
    check(callback.startswith(redirect_uri), "to the registered redirect URI")

    token = client.fetch_token(
        conf["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    check("access_token" in token and "id_token" in token, "the code is exchanged for tokens")

    jwks = JsonWebKey.import_key_set(requests.get(conf["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": conf["issuer"]}},
        claims_params={"nonce": nonce, "client_id": client_id},
    )
    claims.validate()
    check(claims["aud"] == client_id and claims["nonce"] == nonce, "the ID token validates")

    info = client.get(conf["userinfo_endpoint"], timeout=10).json()
    check(info["sub"] == claims["sub"], "userinfo names the same subject")

    refreshed = client.refresh_token(conf["token_endpoint"], refresh_token=token["refresh_token"])
    check(refreshed["refresh_token"] != token["refresh_token"], "the refresh token rotates")
    api = requests.get(f"{base}/api", headers={"X-Auth-Token": refreshed["access_token"]}, timeout=10)
    check(api.status_code == 200, "the refreshed access token works")

    r = client.revoke_token(
        conf["revocation_endpoint"], token=refreshed["access_token"], token_type_hint="access_token"
    )
    check(r.status_code == 200, "the token is revoked")
    api = requests.get(f"{base}/api", headers={"X-Auth-Token": refreshed["access_token"]}, timeout=10)
    check(api.status_code == 401, "the revoked token no longer works")
    print("authlib: all checks passed")


if __name__ == "__main__":
    main()
