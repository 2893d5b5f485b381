"""Expand short links (t.co, bit.ly, ...) by following their redirects: opt-in, bounded.

Only hosts named in ``short_link_hosts`` are asked, with HEAD (GET without reading the
body where HEAD is refused), through the fetcher's SSRF checks and address pinning. The
chain is followed while it stays on short-link hosts and stops at the first other host,
which is never contacted. Each expansion has ``short_link_timeout`` seconds for all its
hops; a batch starts at most ``short_link_max`` new expansions, eight at a time. Results,
failures included, stay in an in-process LRU cache; a failure keeps the short link.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import httpx

from resonanz.config import Settings
from resonanz.errors import ResonanzError
from resonanz.fetcher import Resolver, checked_addresses, pinned_request, resolve_host
from resonanz.query.text import host_of

__all__ = ["ShortLinkExpander"]

log = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Shorteners that answer HEAD with one of these get a GET whose body is never read.
_NO_HEAD = frozenset({400, 403, 404, 405, 501})
_CACHE_SIZE = 4096
_WORKERS = 8


class ShortLinkExpander:
    """Follows short links' redirects to the first host that is not a short-link host."""

    def __init__(self, settings: Settings, *, resolver: Resolver = resolve_host) -> None:
        self.settings = settings
        self.hosts = frozenset(
            h.strip().lower().removeprefix("www.")
            for h in settings.short_link_hosts.split(",")
            if h.strip()
        )
        self.timeout = settings.short_link_timeout
        self.limit = settings.short_link_max
        self._resolver = resolver
        self._cache: OrderedDict[str, str | None] = OrderedDict()

    def is_short(self, url: str) -> bool:
        """True for a URL on one of the configured short-link hosts."""
        return host_of(url) in self.hosts

    def expand(self, urls: Iterable[str]) -> dict[str, str]:
        """Map each short URL to its target, where one was found (cached or now)."""
        found: dict[str, str] = {}
        todo: list[str] = []
        for url in dict.fromkeys(u for u in urls if self.is_short(u)):
            if url in self._cache:
                self._cache.move_to_end(url)
                target = self._cache[url]
                if target:
                    found[url] = target
            elif len(todo) < self.limit:
                todo.append(url)
        if not todo:
            return found
        with (
            httpx.Client(
                follow_redirects=False,
                trust_env=False,  # a proxy would connect by name and defeat the pinning
                headers={"User-Agent": self.settings.user_agent},
            ) as client,
            ThreadPoolExecutor(min(_WORKERS, len(todo))) as pool,
        ):
            targets = list(pool.map(lambda u: self._expand_one(client, u), todo))
        for url, target in zip(todo, targets, strict=True):
            self._cache[url] = target
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            if target:
                found[url] = target
        return found

    def _expand_one(self, client: httpx.Client, url: str) -> str | None:
        try:
            return self._follow(client, url)
        except (ResonanzError, httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            log.info("short link %s not expanded: %s", url, exc)
            return None

    def _follow(self, client: httpx.Client, url: str) -> str | None:
        deadline = time.monotonic() + self.timeout
        current = url if "://" in url else "https://" + url
        for _ in range(max(1, self.settings.http_max_redirects)):
            location = self._location(client, current, deadline)
            if location is None:
                return None
            current = location
            if not self.is_short(current):
                return current
        return None

    def _location(self, client: httpx.Client, url: str, deadline: float) -> str | None:
        """Where ``url`` redirects to (absolute http/https), or None if it does not."""
        (address, *_) = checked_addresses(url, self.settings, resolver=self._resolver)
        response = self._send(client, "HEAD", url, address, deadline)
        if response.status_code in _NO_HEAD:
            response = self._send(client, "GET", url, address, deadline)
        location = response.headers.get("location")
        if response.status_code not in _REDIRECTS or not location:
            return None
        target = str(httpx.URL(url).join(location.strip()))
        return target if target.startswith(("http://", "https://")) else None

    def _send(
        self, client: httpx.Client, method: str, url: str, address: str, deadline: float
    ) -> httpx.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.TimeoutException(f"no time left to expand {url}")
        request = pinned_request(client, method, url, address)
        request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()
        response = client.send(request, stream=True)
        response.close()  # only the status and Location matter; the body is never read
        return response
