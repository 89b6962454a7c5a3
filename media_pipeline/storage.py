"""Where lecture files live: the only module that knows.

Everything goes through Django's default storage, so a local folder (the embedded
default) and any S3-compatible store (django-storages, by settings) both work. On a
local filesystem the finished ladder is moved into place with one ``rename``; on other
storages each file is uploaded under a fresh, versioned prefix, and the lecture row
switches to that prefix only after every file is there.
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.core.files.storage import FileSystemStorage, default_storage

SAFE_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*\.[a-z0-9]+$")
# The ladder's names are short (``480p/segment_00042.m4s``): a longer path names no
# file, and a filesystem refuses a name over 255 bytes with an OSError (a 500 once).
MAX_RELATIVE_PATH = 200
# How long the store's signed URL that a front server is handed stays valid. The
# server asks the store for the file at once; the rest is room for the clocks of the
# web host and the store to differ. The URL never leaves the front server.
FRONT_SERVER_URL_SECONDS = 300


def _is_local() -> bool:
    return isinstance(default_storage, FileSystemStorage)


def output_prefix(*, lecture_uuid, version: str) -> str:
    return f"lectures/{lecture_uuid}/{version}"


@contextmanager
def local_source(file_field) -> Iterator[Path]:
    """A local path to the uploaded original (downloaded first if remote)."""
    if _is_local():
        yield Path(default_storage.path(file_field.name))
        return
    suffix = Path(file_field.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with default_storage.open(file_field.name, "rb") as remote:
            shutil.copyfileobj(remote, copy, length=1024 * 1024)
        copy.flush()
        yield Path(copy.name)


def open_source(file_field):
    """The uploaded original, open for reading; FileNotFoundError if it is gone."""
    if not file_field.name or not default_storage.exists(file_field.name):
        raise FileNotFoundError(file_field.name)
    return default_storage.open(file_field.name, "rb")


@contextmanager
def work_dir() -> Iterator[Path]:
    """A scratch folder, removed afterwards whatever happens.

    On local storage it sits inside MEDIA_ROOT, so publishing is a same-filesystem
    rename rather than a copy.
    """
    if _is_local():
        base = Path(default_storage.path("lectures/.work"))
        base.mkdir(parents=True, exist_ok=True)
        folder = tempfile.mkdtemp(dir=base)
    else:
        folder = tempfile.mkdtemp(prefix="satchel-transcode-")
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish_tree(local_dir: Path, prefix: str) -> None:
    if _is_local():
        target = Path(default_storage.path(prefix))
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        os.replace(local_dir, target)
        return
    for path in sorted(local_dir.rglob("*")):
        if path.is_file():
            name = f"{prefix}/{path.relative_to(local_dir).as_posix()}"
            if default_storage.exists(name):
                default_storage.delete(name)
            with path.open("rb") as content:
                default_storage.save(name, content)


def delete_tree(prefix: str) -> None:
    if not prefix:
        return
    if _is_local():
        shutil.rmtree(default_storage.path(prefix), ignore_errors=True)
        return
    folders, files = default_storage.listdir(prefix)
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for folder in folders:
        delete_tree(f"{prefix}/{folder}")


def is_safe_relative_path(path: str) -> bool:
    return (
        len(path) <= MAX_RELATIVE_PATH
        and bool(SAFE_PATH.match(path))
        and ".." not in path
    )


def front_server_location(prefix: str, relative: str, *, method: str) -> str | None:
    """Where a server in front (nginx, ``SATCHEL_MEDIA_ACCEL_REDIRECT``) finds a
    published file, relative to its internal location; None if the file is not there.

    On local storage: the file's path under MEDIA_ROOT, which the location maps to
    with ``alias``. On an object store: the path and query of the store's signed URL
    for ``method`` (GET or HEAD), valid for ``FRONT_SERVER_URL_SECONDS``; the
    location proxies it to the store's origin. The signed URL never reaches the
    phone: nginx consumes the header."""
    name = f"{prefix}/{relative}"
    if _is_local():
        if not Path(default_storage.path(name)).is_file():
            return None
        return quote(name)
    if not default_storage.exists(name):
        return None
    signed = urlsplit(
        default_storage.url(name, expire=FRONT_SERVER_URL_SECONDS, http_method=method)
    )
    return f"{signed.path.lstrip('/')}?{signed.query}"


def s3_origin() -> str | None:
    """The scheme and host of the object store's URLs (what nginx's internal
    location proxies to, docs/nginx/lecture-files-s3.conf); None on local storage."""
    if _is_local():
        return None
    url = urlsplit(default_storage.url("lectures/x", expire=FRONT_SERVER_URL_SECONDS))
    return f"{url.scheme}://{url.netloc}"


def open_output(prefix: str, relative: str):
    """(open binary file, size) of a published file; FileNotFoundError if absent."""
    name = f"{prefix}/{relative}"
    if _is_local():
        path = Path(default_storage.path(name))
        return path.open("rb"), path.stat().st_size
    if not default_storage.exists(name):
        raise FileNotFoundError(name)
    return default_storage.open(name, "rb"), default_storage.size(name)
