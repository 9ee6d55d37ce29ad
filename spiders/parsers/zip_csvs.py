"""Zips of CSVs (Google's bundle, Meta's reports, Snap's yearly files): ``csv_zip_problem``, the bulk
spiders' check of a download, and ``extracted_csvs``, the CSV members extracted to files for the parsers
(meta_report, snap_political), since DuckDB's read_csv reads files, not zip members.

Members are copied in 1 MiB chunks into a temporary folder that is removed when the ``with`` block ends. A
zip that cannot be opened, holds no CSV, or has a member that cannot be read raises the parser's own error
class, with a message naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

_CHUNK = 1 << 20


def csv_zip_problem(path: Path) -> str | None:
    """What is wrong with a downloaded zip that should hold CSVs (it does not open, a member's CRC fails, it
    holds no CSV), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"the download is not a readable zip ({error})"
    if broken:
        return f"{broken} inside the zip is damaged (CRC mismatch)"
    if not any(name.lower().endswith(".csv") for name in names):
        return f"the zip holds no CSV ({', '.join(names[:5]) or 'nothing'})"
    return None


@contextlib.contextmanager
def extracted_csvs(path: Path, error: type[Exception], *, again: str, not_this: str, prefix: str,
                   work_dir: Path | None = None) -> Iterator[list[tuple[str, Path]]]:
    """(member's name in the zip, its CSV on disk) for each CSV member of the zip ``path``.

    ``again`` ends the message of an unreadable zip or member (what to do: "download it again"); ``not_this``
    ends that of a zip without CSVs (what the file is not).
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as bad:
        raise error(f"{path.name} is not a readable zip ({bad}); {again}") from None
    with archive, tempfile.TemporaryDirectory(prefix=prefix, dir=work_dir) as scratch:
        members = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")]
        if not members:
            raise error(f"{path.name} holds no CSV ({', '.join(archive.namelist()[:5]) or 'nothing'}); {not_this}")
        extracted = []
        for number, info in enumerate(members):
            target = Path(scratch) / f"member-{number}.csv"
            try:
                with archive.open(info) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, _CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError) as bad:
                raise error(f"{info.filename} in {path.name} cannot be read ({bad}); {again}") from None
            extracted.append((info.filename, target))
        yield extracted
