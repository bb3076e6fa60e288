"""The server's write path: how concurrent appends reach the one writer.

:mod:`~service.writing.group_commit` gathers the requests waiting at a moment into one append
(one transaction, one fsync); :mod:`~service.writing.writer_process` runs those groups in a child
process, so that the writing and the HTTP event loop do not take turns on one interpreter lock.
A CLI import appends through the store directly (:mod:`service.transfer`): it is its own writer.
"""
