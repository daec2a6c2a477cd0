"""Another process of the app, for tests about what processes share (the page cache).

`python -m tests.app_process CONFIG STEP URL [FIELDS]` builds the app from CONFIG (JSON) in
a fresh interpreter, as another server worker or instance would (its own module state,
its own start-up), then as a reader with no session yet:

- `read`: opens URL;
- `comment`: opens URL and sends its comment form with FIELDS (JSON) filled in.

It prints one line of JSON: the last answer's status and Location, and the templates this
process drew (a page served from the shared cache draws none).
"""

from __future__ import annotations

import json
import sys

from flask import template_rendered

from newsroom import create_app
from tests.conftest import submit_form


def main(config: str, step: str, url: str, fields: str = "{}") -> dict:
    app = create_app(json.loads(config))
    drawn: list[str] = []

    def record(sender, template, context, **extra) -> None:
        drawn.append(template.name)

    template_rendered.connect(record, app)
    client = app.test_client()
    if step == "read":
        response = client.get(url)
    elif step == "comment":
        response = submit_form(client, url, json.loads(fields), "form.comment-form")
    else:
        raise SystemExit(f"unknown step {step!r}")
    return {
        "status": response.status_code,
        "location": response.headers.get("Location"),
        "drawn": drawn,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
