"""A browser-like HTTP client for page tests over a real socket: it keeps the session
cookie and sends each form with the CSRF token the page gave it (the app keeps CSRF on)."""

from __future__ import annotations

import re

import requests

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient(requests.Session):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def get_page(self, path: str, **kw: object) -> requests.Response:
        kw.setdefault("timeout", 20)
        return self.get(self.base + path, **kw)

    def token(self, path: str) -> str:
        """The CSRF token of the form on ``path`` (any page of the session's will do)."""
        page = self.get_page(path)
        m = _TOKEN.search(page.text)
        assert m, f"no CSRF token on {path} ({page.status_code})"
        return m.group(1)

    def submit(
        self,
        path: str,
        data: dict | list,
        *,
        form_page: str | None = None,
        files: dict | None = None,
        csrf: bool = True,
        **kw: object,
    ) -> requests.Response:
        """POST a form as a browser would after loading ``form_page`` (default: ``path``)."""
        items = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf:
            items.append(("csrf_token", self.token(form_page or path)))
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", True)
        return self.post(self.base + path, data=items, files=files, **kw)

    def login(self, email: str, password: str) -> requests.Response:
        r = self.submit("/login", {"email": email, "password": password})
        assert r.status_code == 200 and "/account" in r.url, (r.status_code, r.url)
        return r
