"""A Flask-Mailman backend for trying the site without a mail server (`make run`): each
message is written to MAIL_FILE_PATH (instance/outbox/) as an .eml file, which any mail
program opens, and to the log, its plain text included."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("newsroom.mail")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path or self.mailman.file_path)

    def send_messages(self, email_messages) -> int:
        # Readers' addresses are in these files: the owner's alone, as instance/ is.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for message in email_messages:
            built = message.message()
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            path = self.folder / f"{stamp}.eml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(built.as_bytes())
            log.info(
                "Mail to %s: %s (%s)\n%s",
                ", ".join(message.recipients()),
                message.subject,
                path,
                message.body,
            )
        return len(email_messages)
