"""The upload route's multipart parsing, done here so its failures get Chinese answers: a malformed
body is 400, a full temp disk 507, too many files 413 (an oversized body is the middleware's 413)."""

from __future__ import annotations

import codecs
import errno
import logging
from contextlib import aclosing

import python_multipart
from fastapi import HTTPException, Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from shared.settings import get_settings

log = logging.getLogger("juesuan.api")

BAD_MULTIPART = "上传内容格式错误：multipart/form-data 表单不完整或已损坏，请重新上传（文件字段名为 files）。"
DISK_FULL = "服务器临时存储空间已满，暂时无法接收文件：请稍后再试，或联系管理员。"
MAX_PART_HEADER_BYTES = 64 * 1024  # python-multipart's 4 KB default refuses a long Chinese file name

UPLOAD_FORM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "决算文件或其 zip 压缩包",
                        }
                    },
                }
            }
        },
    },
}


class _MultiPartParser(MultiPartParser):
    """starlette's parser with room for long part headers: a 2,000-character file name is the
    file's problem (its name is shortened), not the request's."""

    async def parse(self) -> FormData:
        _, params = parse_options_header(self.headers["Content-Type"])
        charset = params.get(b"charset", "utf-8")
        try:
            self._charset = codecs.lookup(
                charset.decode("latin-1") if isinstance(charset, bytes) else charset
            ).name
        except LookupError:
            self._charset = "latin-1"
        if b"boundary" not in params:
            raise MultiPartException("Missing boundary in multipart.")
        callbacks = {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }
        try:
            parser = python_multipart.MultipartParser(
                params[b"boundary"],
                callbacks,  # type: ignore[arg-type]
                max_header_size=MAX_PART_HEADER_BYTES,
            )
            async for chunk in self.stream:
                parser.write(chunk)
                for part, data in self._file_parts_to_write:
                    assert part.file
                    await part.file.write(data)  # spooled: rolls to a temp file past 1 MB
                for part in self._file_parts_to_finish:
                    assert part.file
                    await part.file.seek(0)
                self._file_parts_to_write.clear()
                self._file_parts_to_finish.clear()
            parser.finalize()
        except BaseException as exc:
            for file in self._files_to_close_on_error:
                file.close()
            if isinstance(exc, FormParserError):
                raise MultiPartException("Invalid multipart data.") from exc
            raise
        return FormData(self.items)


async def read_form(request: Request) -> FormData:
    """The multipart form of the request, or a Chinese 400 / 413 / 507."""
    s = get_settings()
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise HTTPException(400, BAD_MULTIPART)
    try:
        async with aclosing(request.stream()) as stream:
            parser = _MultiPartParser(
                request.headers,
                stream,
                max_files=s.max_files_per_request,
                max_fields=20,
                max_part_size=64 * 1024,
            )
            return await parser.parse()
    except MultiPartException as exc:
        if exc.message.startswith("Too many files"):
            raise HTTPException(
                413, f"单次上传文件过多：上限 {s.max_files_per_request} 个，请分批上传或打包为 zip。"
            ) from exc
        raise HTTPException(400, BAD_MULTIPART) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            log.error("event=upload_disk_full error=%s", exc)
            raise HTTPException(507, DISK_FULL) from exc
        raise
