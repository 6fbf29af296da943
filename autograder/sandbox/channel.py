"""The grader's end of the pipes to a worker: length-prefixed messages, within deadlines.

A message is a 4-byte big-endian length and that many bytes. A message's length is checked
against the caller's limit as soon as its header is read, before its body is: a worker that
announces 4 GiB is refused without reading any of it. Reading is linear: replies are read into
one growing buffer (``os.readv`` straight into it), each byte is moved at most once when the
buffer is compacted, and many replies that came in one read are taken from it without
another system call.
"""

from __future__ import annotations

import os
import select
import struct
import time

HEADER = struct.Struct(">I")
READ_BYTES = 1 << 20  # asked of the pipe at a time (it holds 64 KiB at most, by default)


class ChannelClosed(Exception):
    """The worker's end is closed: it has died."""


class ChannelTimeout(Exception):
    """Nothing (or not all of a message) came before the deadline."""


class MessageTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class Channel:
    def __init__(self, requests: int, replies: int):
        """``requests``: the write end of the worker's request pipe (made non-blocking);
        ``replies``: the read end of its reply pipe. Both are the caller's to close."""
        self.requests, self.replies = requests, replies
        os.set_blocking(requests, False)
        self.inbox = bytearray(READ_BYTES)  # its length is its capacity
        self.start = self.end = 0  # the unread bytes are inbox[start:end]

    def send(self, data: bytes, deadline: float) -> None:
        """Write one message; ``ChannelTimeout`` if the worker does not take it in time,
        ``ChannelClosed`` if it has died."""
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([], [self.requests], [], wait)[1]:
                raise ChannelTimeout
            try:
                view = view[os.write(self.requests, view):]
            except BlockingIOError:
                continue
            except OSError:  # EPIPE: the worker is gone
                raise ChannelClosed from None

    def receive(self, deadline: float, limit: int) -> bytes:
        """The next message, of at most ``limit`` bytes (``MessageTooLarge`` otherwise,
        before its body is read)."""
        self._fill(HEADER.size, deadline)
        size = HEADER.unpack_from(self.inbox, self.start)[0]
        if size > limit:
            raise MessageTooLarge(size)
        self._fill(HEADER.size + size, deadline)
        begin = self.start + HEADER.size
        self.start = begin + size
        return bytes(memoryview(self.inbox)[begin:self.start])

    def _fill(self, wanted: int, deadline: float) -> None:
        """At least ``wanted`` unread bytes in the buffer."""
        while self.end - self.start < wanted:
            self._make_room(wanted)
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self.replies], [], [], wait)[0]:
                raise ChannelTimeout
            with memoryview(self.inbox) as view:
                read = os.readv(self.replies, [view[self.end:]])
            if not read:
                raise ChannelClosed
            self.end += read

    def _make_room(self, wanted: int) -> None:
        """Room for the rest of a message of ``wanted`` bytes from ``start`` on: the unread
        bytes move to the front when it would not fit (each byte at most once per message),
        and the buffer grows only for a message larger than it."""
        if self.start == self.end:
            self.start = self.end = 0
        if len(self.inbox) - self.start >= wanted and self.end < len(self.inbox):
            return
        unread = self.end - self.start
        self.inbox[:unread] = self.inbox[self.start:self.end]  # a copy: the two may overlap
        self.start, self.end = 0, unread
        if len(self.inbox) < wanted:
            self.inbox.extend(bytes(wanted - len(self.inbox)))
