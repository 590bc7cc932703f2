"""gunicorn's threaded worker, answering what gunicorn itself refuses in the API's JSON error shape.

gunicorn reads the request line and headers before the application sees
anything, and refuses a request line longer than ``limit_request_line``
(at most 8,190 bytes; the only larger setting, 0, lets one request line grow
without bound) with an HTML page. A script sending a long query gets the
same ``{"error": {"code", "message", "param"}}`` as from the application.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

#: The refusals answered here, as (status, reason, code, message).
_ANSWERS = {
    LimitRequestLine: (414, "URI Too Long", "uri_too_long",
                       "the request line is longer than the server accepts ({limit:,} bytes): shorten the "
                       "query or send fewer filter values"),
    LimitRequestHeaders: (431, "Request Header Fields Too Large", "headers_too_large",
                          "the request headers are larger than the server accepts"),
}


class JsonErrorWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):  # noqa: ANN001 - gunicorn's signature
        answer = next((a for kind, a in _ANSWERS.items() if isinstance(exc, kind)), None)
        if answer is None:
            return super().handle_error(req, client, addr, exc)
        status, reason, code, message = answer
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        body = json.dumps({"error": {"code": code, "param": None,
                                     "message": message.format(limit=self.cfg.limit_request_line)}}).encode()
        head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin-1")
        try:
            util.write_nonblock(client, head + body)
        except OSError:
            self.log.debug("could not send the %s answer: the client is gone", status, exc_info=True)
