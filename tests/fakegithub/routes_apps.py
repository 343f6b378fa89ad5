"""App authentication: JWT -> installation token endpoints, and the credential check on each request."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone

import jwt

from tests.fakegithub.handling import DOCS, Ctx, Reply, not_found
from tests.fakegithub.templates import template


class AppRoutes:
    """Mixed into FakeGitHub, whose installations, tokens and App key these check against."""

    def _h_access_token(self, ctx: Ctx) -> tuple:
        inst = self._installations.get(int(ctx.params["id"]))
        if inst is None:
            raise not_found(f"{DOCS}/apps/apps#create-an-installation-access-token-for-an-app")
        token = "ghs_" + hashlib.sha1(f"{inst.id}:{self.tokens_issued}:{time.time()}".encode()).hexdigest()[:36]
        expires = time.time() + 3600
        self._tokens[token] = (inst.id, expires)
        self.tokens_issued += 1
        requested = (ctx.body or {}).get("permissions") or {}
        data = template("apps__create-installation-access-token.201")
        data.update(token=token,
                    expires_at=datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    permissions=dict(requested or inst.permissions), repository_selection="selected",
                    repositories=[self._repo_json(self._repos[r], inst.id) for r in inst.repos if r in self._repos])
        return 201, data

    def _h_repo_installation(self, ctx: Ctx) -> tuple:
        full = f"{ctx.params['owner']}/{ctx.params['repo']}".lower()
        for inst in self._installations.values():
            if full in inst.repos and full in self._repos:
                return 200, self._installation_json(inst)
        raise not_found(f"{DOCS}/apps/apps#get-a-repository-installation-for-the-authenticated-app")

    def _authorize(self, ctx: Ctx, auth: str) -> None:
        if auth == "none":
            return
        scheme, _, credential = (ctx.request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or not credential:
            raise Reply(401, "Requires authentication", DOCS)
        if auth == "jwt":
            self._check_jwt(credential.strip())
            return
        token = self._tokens.get(credential.strip())
        if token is None or token[1] < time.time():
            raise Reply(401, "Bad credentials", DOCS)
        ctx.installation = token[0]
        if "owner" in ctx.params:
            full = f"{ctx.params['owner']}/{ctx.params['repo']}".lower()
            if full not in self._repos or full not in self._installations[token[0]].repos:
                raise not_found()
            ctx.repo = self._repos[full]

    def _check_jwt(self, token: str) -> None:
        try:
            claims = jwt.decode(token, self._public_key, algorithms=["RS256"], leeway=60,
                                options={"require": ["exp", "iat", "iss"], "verify_iss": False})
        except jwt.ExpiredSignatureError:
            raise Reply(401, "'Expiration time' claim ('exp') must be a numeric value representing the future "
                             "time at which the assertion expires", DOCS) from None
        except jwt.PyJWTError:
            raise Reply(401, "A JSON web token could not be decoded", DOCS) from None
        if str(claims["iss"]) != str(self.app_id):
            raise Reply(401, "A JSON web token could not be decoded", DOCS)
        # GitHub refuses App JWTs that live longer than ten minutes.
        if claims["exp"] - time.time() > 600 + 60:
            raise Reply(401, "'Expiration time' claim ('exp') is too far in the future", DOCS)
