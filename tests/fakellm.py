"""An OpenAI-compatible chat endpoint on loopback that answers from a script, for litellm's real HTTP path."""

from __future__ import annotations

import json
import threading
import time
from collections import deque

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class FakeLLM:
    """Each POST /v1/chat/completions takes the next scripted answer: a reply text, or a fault.

    `reply(text)` answers 200 with usage counted by litellm's bundled gpt-4o tokenizer (words if
    that is unavailable); `fail(status)` answers an error; `hang(seconds)` answers late.
    """

    def __init__(self):
        self.script: deque = deque()
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = None

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}/v1"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def reply(self, text: str) -> "FakeLLM":
        self.script.append(("reply", text))
        return self

    def fail(self, status: int, message: str = "upstream error") -> "FakeLLM":
        self.script.append(("fail", (status, message)))
        return self

    def hang(self, seconds: float) -> "FakeLLM":
        self.script.append(("hang", seconds))
        return self

    def _app(self, environ, start_response):
        request = Request(environ)
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return Response(json.dumps({"error": {"message": "not found"}}), 404)(environ, start_response)
        body = json.loads(request.get_data() or b"{}")
        with self._lock:
            self.requests.append(body)
            kind, value = self.script.popleft() if self.script else ("fail", (500, "script exhausted"))
        if kind == "hang":
            time.sleep(value)
            kind, value = "reply", "too late"
        if kind == "fail":
            status, message = value
            payload = {"error": {"message": message, "type": "server_error" if status >= 500 else "rate_limit_error",
                                 "code": str(status)}}
            return Response(json.dumps(payload), status, content_type="application/json")(environ, start_response)
        prompt_words = _tokens(body.get("messages", []))
        completion_words = _tokens([{"role": "assistant", "content": value}])
        answer = {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": value}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_words, "completion_tokens": completion_words,
                      "total_tokens": prompt_words + completion_words},
        }
        return Response(json.dumps(answer), 200, content_type="application/json")(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _tokens(messages: list[dict]) -> int:
    try:
        import litellm

        return int(litellm.token_counter(model="gpt-4o-mini", messages=messages))
    except Exception:  # no tokenizer: a word count keeps the figures comparable run to run
        return sum(len(str(m.get("content", "")).split()) for m in messages)
