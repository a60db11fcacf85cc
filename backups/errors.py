"""What a backup or a restore refuses, and what a verification finds: each with a stable code."""

from dataclasses import dataclass


class BackupError(Exception):
    """A refusal: nothing was written to the target. `code` is stable, `message` translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self):
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Problem:
    """One difference a verification found (`subject`: the object key, table or adoption)."""

    code: str
    subject: str
    message: str

    def __str__(self):
        return f"{self.code} [{self.subject}]: {self.message}"
