"""Named, coded errors that tell the user how to fix them.

Every error a user can see is a :class:`StorylineError` subclass with a stable code
(``SL-E1xx`` input, ``SL-E2xx`` storage, ``SL-E3xx`` configuration/dependencies) and a hint.
The CLI prints ``error[CODE]: message — hint`` on one line and exits with ``exit_code``.
Reasons for rejected *documents* are not exceptions: they are rows in ``rejects``
(see :data:`REJECT_REASONS`).
"""

from __future__ import annotations


class StorylineError(Exception):
    code = "SL-E000"
    hint = ""
    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        line = f"error[{self.code}]: {self.message}"
        if self.hint:
            line += f" — {self.hint}"
        return line


class UsageError(StorylineError):
    code = "SL-E100"
    hint = "run `storyline --help` for usage"
    exit_code = 2


class InputNotFound(UsageError):
    code = "SL-E101"
    hint = "check the path; give files or directories that exist"


class NoInputFiles(UsageError):
    code = "SL-E102"
    hint = "supported: .txt .md .html .htm .jsonl .json .warc (optionally .gz)"


class FtsQueryError(UsageError):
    """A search query that is not valid SQLite FTS5 syntax (web app / HTTP API)."""

    code = "SL-E110"
    hint = 'use plain words, "a phrase in double quotes", AND / OR / NOT, or a prefix*'


class StoryInputError(UsageError):
    code = "SL-E130"
    hint = "give StoryDoc records with a non-empty id; dates as datetime.date or 'YYYY-MM-DD'"


class StoryStateError(UsageError):
    code = "SL-E131"
    hint = "the saved story state is unreadable or from another version; rebuild it with StoryIndex.rebuild"


class DatabaseError(StorylineError):
    code = "SL-E200"
    hint = "check the --db path and that the file is a storyline database"
    exit_code = 3


class DatabaseNotFound(DatabaseError):
    code = "SL-E201"
    hint = "run `storyline run PATH --db FILE` first to create it"


class NotAStorylineDatabase(DatabaseError):
    code = "SL-E202"
    hint = "point --db at a file created by `storyline run`, or at a new path"


class SchemaTooNew(DatabaseError):
    code = "SL-E203"
    hint = "upgrade storyline: this database was written by a newer version"


class DatabaseLocked(DatabaseError):
    code = "SL-E204"
    hint = "another storyline process is writing to this database; wait for it to finish"


class RunInProgress(DatabaseError):
    """Another writer (``storyline run``, or an actor/story edit) holds the database's writer lock."""

    code = "SL-E205"
    hint = "wait for it to finish (`storyline serve` and other readers may keep reading meanwhile), or stop it"


class DiskFull(DatabaseError):
    code = "SL-E206"
    hint = ("free disk space, then re-run the same command: finished batches are kept and the run resumes; "
            "`storyline check` verifies the database")


class DatabaseReadOnly(DatabaseError):
    code = "SL-E207"
    hint = ("make the database file, its directory and its -wal/-shm files writable (or point --db elsewhere), "
            "then re-run the same command")


class CheckFailed(DatabaseError):
    """``storyline check`` found problems (they are listed before this line)."""

    code = "SL-E208"
    hint = "restore a backup, or rebuild the knowledge base with `storyline run` into a new --db"
    exit_code = 6


class DatasetError(DatabaseError):
    """A folder given as a storyline Parquet dataset (``storyline load``, ``run --dataset``) is not one."""

    code = "SL-E220"
    hint = "give the folder a `storyline run --engine dask` wrote (default <db>.parts); see docs/dataset.md"


class DatasetMismatch(DatabaseError):
    """The dataset's dedup results were computed against another knowledge base than the one to load into."""

    code = "SL-E221"
    hint = "load a dataset into the database it was built for, or into a new database file"


class ImportTargetNotEmpty(DatabaseError):
    """``storyline import`` into a database that already holds data (docs/exports.md, "Full export and import")."""

    code = "SL-E230"
    hint = "import into a new --db path, or add --force to replace everything in this database"


class MalformedExport(DatabaseError):
    """A folder given to ``storyline import`` is not a whole, readable full export; names the file and row."""

    code = "SL-E231"
    hint = "fix or remove that file, or write the export again with `storyline export --all DIR`"


class ExportVersionError(DatabaseError):
    """A full export written by another format or schema version than this storyline's."""

    code = "SL-E232"
    hint = "import it with a storyline of the version that wrote it"


class ExportTargetNotEmpty(UsageError):
    """``storyline export --all DIR`` into a folder that already holds files."""

    code = "SL-E233"
    hint = "give a new or empty folder, or add --force to overwrite a previous export there"


class MissingDependency(StorylineError):
    code = "SL-E300"
    exit_code = 4

    def __init__(self, package: str, extra: str | None = None):
        target = f"storyline[{extra}]" if extra else package
        super().__init__(f"optional dependency '{package}' is not installed", hint=f"pip install '{target}'")


class ConfigError(StorylineError):
    code = "SL-E301"
    exit_code = 2


class LLMUnavailable(ConfigError):
    code = "SL-E302"
    hint = "start the endpoint, or check --llm-url (an OpenAI-compatible base URL such as http://localhost:8080/v1)"


# Reasons a document becomes a reject. Keys are the `reason` column of the rejects table.
REJECT_REASONS: dict[str, str] = {
    "unreadable": "the file could not be opened or read (permissions, I/O error)",
    "empty": "the file or record holds no text",
    "binary": "the bytes are not text (NUL bytes or undecodable binary data)",
    "invalid_encoding": "the bytes could not be decoded in any plausible text encoding",
    "too_large": "the file or record is larger than the size limit (--max-bytes), or its clean text is longer "
                 "than the text limit (--max-chars, `stage` clean); the detail gives the size",
    "truncated_gzip": "the gzip stream ends before its end marker (truncated download)",
    "corrupt_gzip": "the gzip stream is corrupt",
    "gzip_bomb": "the gzip stream inflates beyond the size limit or an implausible ratio",
    "malformed_json": "a JSON/JSONL record could not be parsed",
    "json_no_text": "a JSON record has neither a non-empty `text` nor `html` field",
    "malformed_warc": "a WARC record or file could not be parsed",
    "http_error": "a WARC HTML response has a non-200 HTTP status (error page, redirect)",
    "unsupported_format": "the file extension is not a supported input format",
    "no_content": "cleaning left no article text (the page is all boilerplate or has no body)",
    "html_parse_error": "the HTML could not be parsed",
    "internal_error": "an unexpected error in a stage; the detail holds the exception",
    "time_limit": "a per-document stage (e.g. clean) took longer than the time limit (--doc-timeout); "
                  "`stage` says which",
}
