"""The external upload flow slack_sdk's ``files_upload_v2`` uses: URL, bytes, completion."""

from __future__ import annotations

from typing import Any

from ..errors import SlackError
from ..ids import secret_token
from ..model import UploadedFile
from ..params import Params
from ..workspace import Workspace


def get_upload_url(ws: Workspace, p: Params) -> dict[str, Any]:
    filename = p.text("filename")
    if not filename:
        raise SlackError("invalid_arguments")
    length = p.number("length", -1)
    if length < 0:
        raise SlackError("invalid_arguments")
    file = UploadedFile(
        id=ws.ids.new("F"),
        filename=filename,
        length=length,
        user=ws.bot_user_id,
        created=int(ws.now()),
        alt_txt=p.text("alt_txt"),
        snippet_type=p.text("snippet_type"),
    )
    token = secret_token()
    ws.files[file.id] = file
    ws.uploads[token] = file.id
    return {"upload_url": f"{ws.base_url}/upload/v1/{token}", "file_id": file.id}


def receive_bytes(ws: Workspace, token: str, body: bytes) -> UploadedFile | None:
    """Step two, the POST of the file's bytes to its upload URL."""
    file = ws.files.get(ws.uploads.pop(token, ""))
    if file is None:
        return None
    file.content = body
    file.uploaded = True
    return file


def complete_upload(ws: Workspace, p: Params) -> dict[str, Any]:
    entries = p.decoded("files", "invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise SlackError("invalid_arguments")
    files = []
    for entry in entries:
        file = ws.files.get(entry.get("id", "") if isinstance(entry, dict) else "")
        if file is None or file.completed:
            raise SlackError("file_not_found")
        if not file.uploaded:
            raise SlackError("file_upload_not_completed")
        files.append((file, entry))
    channels = [p.text("channel_id")] if p.text("channel_id") else p.ids("channels")
    channel = ws.channel_for_post(channels[0], public_ok=False) if channels else None
    thread_ts = p.text("thread_ts") or None
    if thread_ts:
        if channel is None:
            raise SlackError("invalid_arguments")
        ws.thread_parent(channel, thread_ts)
    for file, entry in files:
        file.completed = True
        file.title = entry.get("title") or file.filename
        file.channel = channel.id if channel else None
        file.initial_comment = p.text("initial_comment")
        file.thread_ts = thread_ts
    return {"files": [file.to_api(ws.domain) for file, _ in files]}
