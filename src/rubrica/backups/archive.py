"""The archive: one tar stream, gzip-compressed, optionally encrypted (``crypto``).

Members, in order: ``database/rubrica.sqlite3`` (or ``database/rubrica.pgdump``), the uploaded
files under ``files/media/...`` (MEDIA_ROOT: photos) and ``files/private/...``
(RUBRICA_PRIVATE_ROOT: documents, import uploads, export files; the backups folder itself is
left out), and last ``manifest.json``: the format, the app version, the schema version (the
applied migrations), the database vendor, rows per table, and the SHA-256 and size of every
other member. Everything is streamed: no member is ever held in memory whole.

Reading checks before anything is used: only regular files with plain relative names, each
member named once, each listed in the manifest with its checksum and size, none missing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from django.utils.translation import gettext as _

from rubrica.backups.crypto import MAGIC, DecryptingReader, DecryptionError, EncryptingWriter

FORMAT = "rubrica-backup/1"
MANIFEST = "manifest.json"
_BLOCK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be trusted or read; the message names the member or the reason."""


@dataclass(frozen=True)
class FileRoot:
    """A folder whose files go in the archive under ``prefix`` (``files/media``), except the
    folders in ``exclude`` (absolute paths)."""

    prefix: str
    root: Path
    exclude: tuple[Path, ...] = ()

    def files(self) -> Iterable[tuple[str, Path]]:
        if not self.root.is_dir():
            return
        excluded = {path.resolve() for path in self.exclude}
        for folder, dirs, names in os.walk(self.root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in excluded)
            for name in sorted(names):
                path = here / name
                if path.is_file() and not path.is_symlink():
                    yield f"{self.prefix}/{path.relative_to(self.root).as_posix()}", path


class _HashingWriter(io.RawIOBase):
    """Counts and hashes the bytes on their way to ``sink`` (the archive file's checksum)."""

    def __init__(self, sink: IO[bytes]) -> None:
        super().__init__()
        self.sink = sink
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.size += len(view)
        self.sink.write(view)
        return len(view)


class _HashingReader(io.RawIOBase):
    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self.source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.sha256.update(data)
        self.size += count
        return count


@dataclass
class Written:
    """What ``write_archive`` made: the manifest and the archive file's own checksum."""

    manifest: dict[str, Any]
    sha256: str
    size: int


@dataclass
class _Members:
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)


def write_archive(
    path: Path,
    *,
    database: tuple[str, Path],
    roots: Iterable[FileRoot],
    manifest: dict[str, Any],
    passphrase: str = "",
    on_member: Callable[[int], None] | None = None,
) -> Written:
    """Write the archive to ``path`` (through ``path.partial``, renamed once complete and
    synced, so a killed run never leaves a plausible half archive under the final name)."""
    partial = path.with_name(path.name + ".partial")
    members = _Members()
    with open(partial, "wb") as raw:
        os.chmod(partial, 0o600)
        hashing = _HashingWriter(raw)
        sink: io.RawIOBase = (
            EncryptingWriter(cast(IO[bytes], hashing), passphrase) if passphrase else hashing
        )
        gz = gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6, mtime=0)
        with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            sources = [database, *(item for root in roots for item in root.files())]
            for count, (name, source) in enumerate(sources, start=1):
                try:
                    _add(tar, name, source, members)
                except FileNotFoundError:
                    if name == database[0]:
                        raise
                    continue  # deleted since the folder was listed
                if on_member is not None:
                    on_member(count)
            body = {**manifest, "format": FORMAT, "members": members.entries}
            data = json.dumps(body, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, 0
            tar.addfile(info, io.BytesIO(data))
        gz.close()
        sink.close()
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(partial, path)
    return Written(manifest=body, sha256=hashing.sha256.hexdigest(), size=hashing.size)


def _add(tar: tarfile.TarFile, name: str, source: Path, members: _Members) -> None:
    with open(source, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(os.fstat(handle.fileno()).st_mtime)
        reader = _HashingReader(handle)
        tar.addfile(info, io.BufferedReader(reader, _BLOCK))
    members.entries[name] = {"sha256": reader.sha256.hexdigest(), "size": size}


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and "\x00" not in name
        and (name == MANIFEST or path.parts[0] in ("database", "files"))
    )


def open_plain(path: Path, passphrase: str) -> IO[bytes]:
    """The archive's tar.gz bytes, decrypted when it is encrypted."""
    raw = open(path, "rb")  # noqa: SIM115 (closed by the caller through the returned reader)
    head = raw.read(len(MAGIC))
    raw.seek(0)
    if head != MAGIC:
        return raw
    if not passphrase:
        raw.close()
        raise ArchiveError(
            _("This archive is encrypted: set RUBRICA_BACKUP_PASSPHRASE to its passphrase.")
        )
    return io.BufferedReader(DecryptingReader(raw, passphrase), _BLOCK)


def read_archive(
    path: Path,
    *,
    passphrase: str = "",
    stage: Path | None = None,
    on_member: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Read the whole archive, checking every member against the manifest; with ``stage``,
    extract the members under it (``stage/database/...``, ``stage/files/...``). Returns the
    manifest; raises ``ArchiveError`` naming what is wrong, before anything is used."""
    seen: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with open_plain(path, passphrase) as plain, gzip.GzipFile(fileobj=plain) as gz:
            tar = tarfile.open(fileobj=gz, mode="r|")  # noqa: SIM115 (a stream, closed below)
            for count, info in enumerate(tar, start=1):
                name = info.name
                if not info.isfile() or not _safe_name(name):
                    raise ArchiveError(_("Unexpected member %(name)s.") % {"name": name})
                if name in seen or manifest is not None:
                    raise ArchiveError(_("Member %(name)s appears twice.") % {"name": name})
                handle = tar.extractfile(info)
                assert handle is not None  # a regular file
                if name == MANIFEST:
                    manifest = _parse_manifest(handle.read(16 * 1024 * 1024))
                    continue
                digest = hashlib.sha256()
                target = None
                if stage is not None:
                    target = stage / name
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                out = open(target, "wb") if target is not None else None  # noqa: SIM115
                try:
                    while block := handle.read(_BLOCK):
                        digest.update(block)
                        if out is not None:
                            out.write(block)
                finally:
                    if out is not None:
                        out.close()
                seen[name] = {"sha256": digest.hexdigest(), "size": info.size}
                if on_member is not None:
                    on_member(count)
            tar.close()
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile, DecryptionError) as exc:
        raise ArchiveError(_("The archive cannot be read: %(error)s") % {"error": exc}) from exc
    if manifest is None:
        raise ArchiveError(_("The archive has no manifest: it is incomplete."))
    listed = manifest["members"]
    for name, entry in sorted(listed.items()):
        if name not in seen:
            raise ArchiveError(_("Member %(name)s is missing.") % {"name": name})
        if seen[name] != {"sha256": entry.get("sha256"), "size": entry.get("size")}:
            raise ArchiveError(
                _("Member %(name)s does not match its checksum: it was changed or damaged.")
                % {"name": name}
            )
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise ArchiveError(_("Member %(name)s is not in the manifest.") % {"name": extra[0]})
    return manifest


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise ArchiveError(_("The manifest cannot be read.")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(_("This is not a Rubrica backup archive (or a newer format)."))
    if not isinstance(manifest.get("members"), dict) or not isinstance(
        manifest.get("counts"), dict
    ):
        raise ArchiveError(_("The manifest cannot be read."))
    return manifest


def move_tree(source: Path, target: Path) -> int:
    """Move the files under ``source`` into ``target`` (created 0700); returns how many."""
    count = 0
    if not source.is_dir():
        return 0
    for folder, _dirs, names in os.walk(source):
        for name in names:
            origin = Path(folder) / name
            destination = target / origin.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.move(str(origin), str(destination))
            count += 1
    return count
