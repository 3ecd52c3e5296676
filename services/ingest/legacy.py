"""Word 97-2003 (.doc) and Excel 97-2003 (.xls) → .docx / .xlsx, with LibreOffice headless.

The old binary formats have no maintained pure-Python reader that keeps tables; LibreOffice
converts them faithfully, and the result goes through the same extractors as any .docx/.xlsx
(the caller: ``extract_docx(name, convert_legacy(data, "docx"))``).

Each conversion runs in its own temporary directory with its own LibreOffice profile
(``-env:UserInstallation``): conversions can run side by side, and a crashed profile or a
stale lock never outlives the call. The process runs in its own session so that on a timeout the
whole group (the launcher and ``soffice.bin``) is killed. Any failure — no LibreOffice, a
damaged or password-protected file, a timeout — is a :class:`BadInputError` with a Chinese
message that says how to get a readable file (save it as .docx/.xlsx).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from shared.errors import BadInputError

TIMEOUT_SECONDS = 120.0
_BINARIES = ("soffice", "libreoffice")
# target → (source suffix, LibreOffice export filter, what the user calls it, Debian package)
_TARGETS: dict[str, tuple[str, str, str, str]] = {
    "docx": ("doc", "docx:MS Word 2007 XML", "Word 97-2003 文档（.doc）", "libreoffice-writer-nogui"),
    "xlsx": ("xls", "xlsx:Calc MS Excel 2007 XML", "Excel 97-2003 表格（.xls）", "libreoffice-calc-nogui"),
}
_SAVE_AS = {
    "docx": "请在 Word 或 WPS 中将文件“另存为” .docx 格式后上传",
    "xlsx": "请在 Excel 或 WPS 中将文件“另存为” .xlsx 格式后上传",
}


def _binary() -> str | None:
    for name in _BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


def legacy_available() -> bool:
    """Whether a LibreOffice binary is on PATH (legacy files can be converted)."""
    return _binary() is not None


def convert_legacy(data: bytes, target: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Convert a .doc (``target="docx"``) or .xls (``target="xlsx"``) file; the converted bytes.

    Raises BadInputError (Chinese message) when LibreOffice is missing, fails or times out;
    ValueError for a ``target`` other than "docx" / "xlsx" (a programming error).
    """
    if target not in _TARGETS:
        raise ValueError(f"unsupported legacy target {target!r}")
    suffix, export_filter, what, package = _TARGETS[target]
    binary = _binary()
    if binary is None:
        raise BadInputError(
            "libreoffice not installed",
            f"无法读取{what}：服务器未安装 LibreOffice，旧格式文件无法转换。{_SAVE_AS[target]}，"
            f"或请管理员安装 LibreOffice（Debian 软件包 {package}）。",
        )
    with tempfile.TemporaryDirectory(prefix="juesuan-legacy-") as tmp:
        root = Path(tmp)
        source = root / f"input.{suffix}"
        source.write_bytes(data)
        outdir = root / "out"
        outdir.mkdir()
        command = [
            binary,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            export_filter,
            "--outdir",
            str(outdir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(root)}
        _run(command, env, timeout, what, target)
        result = outdir / f"input.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            raise BadInputError(
                f"libreoffice produced no {target}",
                f"{what}转换失败：文件可能已损坏、已加密或不是{what}。{_SAVE_AS[target]}。",
            )
        return result.read_bytes()


def _run(command: list[str], env: dict[str, str], timeout: float, what: str, target: str) -> None:
    try:
        proc = subprocess.Popen(  # a fixed argument list, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise BadInputError(
            f"cannot start libreoffice: {exc}", f"{what}转换失败：无法启动 LibreOffice。{_SAVE_AS[target]}。"
        ) from exc
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill(proc)
        raise BadInputError(
            f"libreoffice timed out after {timeout:g}s",
            f"{what}转换超时（超过 {timeout:g} 秒）：文件可能过大或已损坏。{_SAVE_AS[target]}。",
        ) from exc
    if proc.returncode != 0:
        raise BadInputError(
            f"libreoffice exited {proc.returncode}: {err[-500:].decode('utf-8', 'replace')}",
            f"{what}转换失败：文件可能已损坏或已加密。{_SAVE_AS[target]}。",
        )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the conversion's process group (the launcher and soffice.bin it started)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass


__all__ = ["TIMEOUT_SECONDS", "convert_legacy", "legacy_available"]
