"""An HTTP server on a loopback port for the REST client's tests: it
records every request and answers what the test set for its method and
path (404 otherwise), so the client's real urllib calls are what is
tested."""

import http.server
import json
import threading
import urllib.parse


class HTTPStub:
    def __init__(self):
        self.requests = []      # dicts: method, path, query, headers, body
        self.answers = {}       # (method, path): (status, body, headers)
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def serve(self):
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get('Content-Length') or 0)
                stub.requests.append({
                    'method': self.command, 'path': parsed.path,
                    'query': dict(urllib.parse.parse_qsl(
                        parsed.query, keep_blank_values=True)),
                    'headers': dict(self.headers),
                    'body': self.rfile.read(length).decode()})
                status, body, headers = stub.answers.get(
                    (self.command, parsed.path),
                    (404, {'faultstring': 'no such path'}, {}))
                raw = body.encode() if isinstance(body, str) else \
                    json.dumps(body).encode() if body is not None else b''
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = serve

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.url = 'http://127.0.0.1:{}'.format(self.port)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def answer(self, method, path, status=200, body=None, headers=None):
        self.answers[(method, path)] = (status, body, headers or {})

    def last(self):
        return self.requests[-1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
