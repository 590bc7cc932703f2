"""An OpenSearch index target: ``http(s)://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/ALIAS``.

Credentials come from the URL, else from ``$NEWSARCHIVE_OPENSEARCH_USER`` and
``$NEWSARCHIVE_OPENSEARCH_PASSWORD``. TLS certificates are always verified;
``$NEWSARCHIVE_OPENSEARCH_CA`` names a CA file for a cluster whose certificate
no system CA signs. The password never leaves this module except towards the
cluster: everything shown to people uses :attr:`Target.display`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from search.errors import BadIndexTarget

USER_ENV = "NEWSARCHIVE_OPENSEARCH_USER"
PASSWORD_ENV = "NEWSARCHIVE_OPENSEARCH_PASSWORD"
CA_ENV = "NEWSARCHIVE_OPENSEARCH_CA"

#: What an alias may be called: OpenSearch's index-name rules, narrowed so that
#: the names derived from it (``ALIAS-000001``) are valid too.
_ALIAS_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,199}$")
_HOST_RE = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$")
MASK = "***"


@dataclass(frozen=True)
class Target:
    scheme: str  # http | https
    hosts: tuple[tuple[str, int], ...]
    alias: str
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    user_in_url: bool = False

    @property
    def display(self) -> str:
        """The URL as people may see it: the password masked."""
        hosts = ",".join(f"{h}:{p}" for h, p in self.hosts)
        auth = f"{self.user}:{MASK}@" if self.user_in_url and self.user else ""
        return f"{self.scheme}://{auth}{hosts}/{self.alias}"

    def __str__(self) -> str:
        return self.display


def parse_target(url: str, environ: dict[str, str] | None = None) -> Target:
    """Read an index URL; raises BadIndexTarget (with the password masked) when malformed."""
    env = os.environ if environ is None else environ
    shown = mask_url(url)
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise BadIndexTarget(f"{shown}: an OpenSearch index URL starts with http:// or https://")
    netloc, slash, path = rest.partition("/")
    alias = path.strip("/")
    if not slash or not alias:
        raise BadIndexTarget(f"{shown}: name the index alias after the host, e.g. http://127.0.0.1:9200/newsarchive")
    if "?" in alias or "#" in alias or not _ALIAS_RE.match(alias):
        raise BadIndexTarget(f"{shown}: '{alias}' is not a usable alias name (lower-case letters, digits, "
                             "'-', '_' and '.', starting with a letter or digit)")
    userinfo, at, hostlist = netloc.rpartition("@")
    user = password = None
    if at:
        raw_user, colon, raw_password = userinfo.partition(":")
        user = unquote(raw_user) or None
        password = unquote(raw_password) if colon else None
    else:
        hostlist = netloc
    hosts = []
    for part in hostlist.split(","):
        m = _HOST_RE.match(part.strip())
        if not m:
            raise BadIndexTarget(f"{shown}: '{part}' is not HOST:PORT")
        port = int(m.group(2) or (443 if scheme == "https" else 9200))
        if not 0 < port < 65536:
            raise BadIndexTarget(f"{shown}: port {port} is out of range")
        hosts.append((m.group(1).strip("[]"), port))
    user_in_url = user is not None
    if user is None:
        user = env.get(USER_ENV) or None
        password = env.get(PASSWORD_ENV) if user else None
    ca_file = env.get(CA_ENV) or None
    if ca_file and not os.path.isfile(ca_file):
        raise BadIndexTarget(f"${CA_ENV} names no file: {ca_file}")
    return Target(scheme, tuple(hosts), alias, user, password, ca_file, user_in_url)


def mask_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***`` (for messages about bad URLs too)."""
    # Up to the last "@": an alias has none, and a password with an unescaped "/" stays hidden too.
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):.*@", rf"\1:{MASK}@", url)
