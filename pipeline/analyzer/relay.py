"""The analysis process `check` runs beside its render: `python -m pipeline.analyzer.relay R W [CPUS]`.

It plays the CLI's part towards the pack (pipeline/analyzer/feed.py starts it): starts the pack,
configures it, sends Analyze for each resource as the render's messages arrive (AnalysisStream)
and AnalyzeStack once the render is done, and answers with the AnalysisResult. Doing this in a
process of its own keeps the gRPC client, the request encoding and the pack's start-up off the
render's core: on two CPUs the render has one to itself, the pack and this process share the
other (CPUS, e.g. `1`: the first thing this process does is pin itself, and so the pack it
starts, to them; pipeline/cpu_placement.py, bench/README.md has the measurements).

Messages (pickled, over two pipes whose descriptors are the arguments), in order:
  check -> relay: START(pack_dir, context, config_file, window or None for the session's), then ADD(resource, inputs,
                  outputs) per resource (wire forms as serialized Structs, or None), SENT? (how
                  many have gone to the pack), then FINISH(outputs) when the resources added are
                  the inventory, or AFRESH(inventory) when they are not (see AnalysisStream).
  relay -> check: SENT(n) for each SENT?, then RESULT(AnalysisResult) or ERROR(exception).
End of input before FINISH (the render failed, or check died): the pack is stopped, nothing sent.
"""

from __future__ import annotations

import os
import pickle
import queue
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cpu_placement import parse_cpus, pin

if TYPE_CHECKING:
    from pipeline.analyzer.launcher import StackContext
    from pipeline.analyzer.session import PackSession
    from pipeline.analyzer.stream import AnalysisStream

START, ADD, SENT_QUERY, FINISH, AFRESH = "start", "add", "sent?", "finish", "afresh"
SENT, RESULT, ERROR = "sent", "result", "error"
_EOF = ("eof",)


def _reader(incoming: Connection, inbox: queue.SimpleQueue) -> None:
    """Drain the pipe as fast as check writes it, so the render never waits on a full pipe."""
    try:
        while True:
            inbox.put(incoming.recv())
    except (EOFError, OSError):
        inbox.put(_EOF)


def portable(error: BaseException) -> BaseException:
    """`error` if it survives pickling, else a PackError that says what it was."""
    from pipeline.analyzer.errors import PackError

    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, just pickled
        return error
    except Exception:  # noqa: BLE001 - any failure to round-trip means: send a description
        return PackError(f"the analysis process failed: {type(error).__name__}: {error}")


def begin(session: PackSession, context: StackContext, config_file: Path | None,
          window: int | None = None) -> AnalysisStream:
    """How every conversation starts: Configure, then the engine's root Stack, first of all."""
    from pipeline.analyzer.requests import root_stack_resource
    from pipeline.inventory import Inventory

    session.configure(config_file)
    stream = session.stream(project=context.project, stack=context.stack,
                            **({"window": window} if window else {}))
    stream.add(root_stack_resource(Inventory(context.project, context.stack, (), {})))
    return stream


def serve(incoming: Connection, outgoing: Connection) -> int:
    # Reading starts before the heavy imports below: until it does, check's writes fill the
    # pipe and its render waits on this process's start.
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_reader, args=(incoming, inbox), name="relay-reader", daemon=True).start()

    from google.protobuf import struct_pb2

    from pipeline.analyzer.session import PackSession
    from pipeline.inventory import Inventory, WireProperties
    first = inbox.get()
    if first[0] != START:
        return 2
    _, pack_dir, context, config_file, window = first
    session = stream = failure = None
    added = []
    try:
        session = PackSession(Path(pack_dir), context)
        stream = begin(session, context, Path(config_file) if config_file else None, window)
    except BaseException as error:  # reported at FINISH, where check asks for the verdict
        failure = error
    try:
        while True:
            message = inbox.get()
            kind = message[0]
            if kind == ADD:
                _, resource, inputs, outputs = message
                added.append(resource)
                if failure is None:
                    wire = None
                    if inputs is not None:
                        wire = WireProperties(struct_pb2.Struct.FromString(inputs), struct_pb2.Struct.FromString(outputs))
                    try:
                        stream.add(resource, wire)
                    except BaseException as error:
                        failure = error
                        stream.cancel()
            elif kind == SENT_QUERY:
                outgoing.send((SENT, stream.sent if stream is not None and failure is None else 0))
            elif kind in (FINISH, AFRESH):
                if failure is not None:
                    outgoing.send((ERROR, portable(failure)))
                    return 0
                inventory = (Inventory(context.project, context.stack, tuple(added), message[1])
                             if kind == FINISH else message[1])
                try:
                    result = stream.finish(inventory)
                except BaseException as error:
                    outgoing.send((ERROR, portable(error)))
                    return 0
                outgoing.send((RESULT, result))
                return 0
            else:  # _EOF: the render failed or check is gone; nobody wants a verdict
                return 0
    finally:
        if session is not None:
            session.close()


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        pin(parse_cpus(argv[2]))  # before the imports below, which are most of this process's start
    incoming = Connection(int(argv[0]), writable=False)
    outgoing = Connection(int(argv[1]), readable=False)
    try:
        return serve(incoming, outgoing)
    except (BrokenPipeError, EOFError):
        return 0  # check went away mid-answer
    finally:
        outgoing.close()


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stderr.flush()
    # The pack is stopped and the answer sent: skip the interpreter's teardown (gRPC's threads,
    # module cleanup: ~0.1 s measured), which `check` would wait for.
    os._exit(code)
