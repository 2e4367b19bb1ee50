// ReadableStreamPipeTo (WHATWG Streams): moves chunks respecting the
// destination's backpressure and propagates errors, closing and aborts.
import { S, react } from "./streamutil.js";
import { deferred, markHandled } from "./util.js";
import { acquireDefaultReader, defaultReaderRead, defaultReaderRelease, readableStreamCancel } from "./readable.js";
import {
  acquireWriter, writerWrite, writerRelease, writableStreamAbort, writerCloseWithErrorPropagation,
  writableStreamCloseQueuedOrInFlight,
} from "./writable.js";
import { addAbortAlgorithm } from "./abort.js";

export function readableStreamPipeTo(source, destPub, preventClose, preventAbort, preventCancel, signal) {
  const dest = destPub[S];
  const reader = acquireDefaultReader(source);
  const writer = acquireWriter(dest);
  source.disturbed = true;
  let shuttingDown = false;
  let currentWrite = Promise.resolve(undefined);
  const result = deferred();
  let removeAbort;

  const waitForWritesToFinish = () => {
    const old = currentWrite;
    return react(currentWrite, () => (old !== currentWrite ? waitForWritesToFinish() : undefined));
  };

  const finalize = (isError, error) => {
    writerRelease(writer);
    defaultReaderRelease(reader);
    if (removeAbort) removeAbort();
    if (isError) result.reject(error);
    else result.resolve(undefined);
  };

  const shutdownWithAction = (action, originalIsError, originalError) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const doTheRest = () => {
      react(action(), () => finalize(originalIsError, originalError), (newError) => finalize(true, newError));
    };
    if (dest.state === "writable" && !writableStreamCloseQueuedOrInFlight(dest)) react(waitForWritesToFinish(), doTheRest);
    else doTheRest();
  };

  const shutdown = (isError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (dest.state === "writable" && !writableStreamCloseQueuedOrInFlight(dest)) {
      react(waitForWritesToFinish(), () => finalize(isError, error));
    } else {
      finalize(isError, error);
    }
  };

  if (signal !== undefined) {
    const abortAlgorithm = () => {
      const error = signal.reason;
      const actions = [];
      if (!preventAbort) actions.push(() => (dest.state === "writable" ? writableStreamAbort(dest, error) : Promise.resolve(undefined)));
      if (!preventCancel) actions.push(() => (source.state === "readable" ? readableStreamCancel(source, error) : Promise.resolve(undefined)));
      shutdownWithAction(() => Promise.all(actions.map((a) => a())), true, error);
    };
    if (signal.aborted) {
      abortAlgorithm();
      return result.promise;
    }
    removeAbort = addAbortAlgorithm(signal, abortAlgorithm);
  }

  const pipeStep = () => {
    if (shuttingDown) return Promise.resolve(true);
    return react(writer.ready.promise, () => new Promise((resolveRead, rejectRead) => {
      defaultReaderRead(reader, {
        chunk: (chunk) => {
          // The chunk steps can run inside the source's enqueue(); the
          // write waits for a microtask so no sink code runs there.
          currentWrite = react(Promise.resolve(undefined), () => react(writerWrite(writer, chunk), undefined, () => {}));
          resolveRead(false);
        },
        close: () => resolveRead(true),
        error: rejectRead,
      });
    }));
  };

  const pipeLoop = () => new Promise((resolveLoop, rejectLoop) => {
    const next = (done) => {
      if (done) resolveLoop();
      else react(pipeStep(), next, rejectLoop);
    };
    next(false);
  });

  // Errors must propagate forward: source errored → abort destination.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) shutdownWithAction(() => writableStreamAbort(dest, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  // ... and backward: destination errored → cancel source.
  const onDestErrored = (storedError) => {
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(source, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  const onSourceClosed = () => {
    if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
    else shutdown();
  };

  if (source.state === "errored") onSourceErrored(source.storedError);
  else react(reader.closed.promise, undefined, onSourceErrored);

  if (dest.state === "errored") onDestErrored(dest.storedError);
  else react(writer.closed.promise, undefined, onDestErrored);

  if (source.state === "closed") onSourceClosed();
  else react(reader.closed.promise, onSourceClosed, () => {});

  if (writableStreamCloseQueuedOrInFlight(dest) || dest.state === "closed") {
    const destClosed = new TypeError("the destination writable stream closed before all data could be piped to it");
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(source, destClosed), true, destClosed);
    else shutdown(true, destClosed);
  }

  markHandled(pipeLoop());
  return result.promise;
}
