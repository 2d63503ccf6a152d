/**
 * What the flow walk learnt about a frame, handed to the flow tracer that sees the frame later (the
 * trace stage runs a batch behind the flow stage): the frame's innermost transport header outside
 * ICMP errors and, when the walk numbered it, its conversation (record id and store) and direction.
 * With it the tracer finds the frame's flow in the conversation's record (C_TRACE0/C_TRACE1)
 * instead of walking the layers and hashing the 4-tuple again: one tuple lookup per frame for both
 * stages.
 *
 * A FIFO in frame order. The tracer takes a hint only for the very frame object it was made for,
 * so frames that skip the tracer, or a tracer fed frames the walk never saw, only cost the hint.
 */
import type { Frame } from '../core/frame.js';
import type { ConvStore } from './flow-key.js';

/** take(): the walk found no header outside ICMP errors in the frame (nothing to trace). */
export const NO_HEADER = -2;

/** Hints kept at most (two batches are the most the stages hold apart); past it the oldest go. */
const MAX_HINTS = 1 << 17;

export class TraceHints {
  // Entries [head, tail) of three parallel arrays, reused from the start whenever the queue empties
  // (it does after every frame when the tracer runs right behind the walk).
  private frames: (Frame | undefined)[] = [];
  private stores: (ConvStore | undefined)[] = [];
  private ids: number[] = [];
  private streams: number[] = [];
  /** Layer index of the header and its direction, packed as (layer << 1) | rev. */
  private where: number[] = [];
  private head = 0;
  private tail = 0;
  /**
   * The conversation of the hint take() returned last: its record id (-1 none), its stream (the
   * record is still this conversation's only while its C_STREAM is this: ids of forgotten
   * conversations are reused) and store.
   */
  id = -1;
  stream = -1;
  store: ConvStore | undefined = undefined;

  /**
   * The walk's hint for `frame`: layer -1 when it has no header outside ICMP errors; `id` -1 when
   * the header was not numbered (the tracer looks it up), else `stream` is its stream.
   */
  push(frame: Frame, layer: number, store: ConvStore | undefined, id: number, stream: number, rev: boolean): void {
    if (this.tail - this.head >= MAX_HINTS) this.clear();
    else if (this.tail >= MAX_HINTS * 2) this.shift();
    const k = this.tail++;
    if (k < this.frames.length) {
      this.frames[k] = frame;
      this.stores[k] = store;
      this.ids[k] = id;
      this.streams[k] = stream;
      this.where[k] = (layer << 1) | (rev ? 1 : 0);
    } else {
      this.frames.push(frame);
      this.stores.push(store);
      this.ids.push(id);
      this.streams.push(stream);
      this.where.push((layer << 1) | (rev ? 1 : 0));
    }
  }

  /**
   * The hint for `frame` when it is next in line (older hints are dropped): the header's layer
   * index and direction packed as (layer << 1) | rev, with the conversation in `conv`; -1 when none,
   * NO_HEADER when the frame has no header to trace.
   */
  take(frame: Frame): number {
    const fs = this.frames;
    const tail = this.tail;
    let h = this.head;
    while (h < tail && fs[h] !== frame && (fs[h] as Frame).n <= frame.n) {
      fs[h] = undefined;
      h++;
    }
    if (h >= tail || fs[h] !== frame) {
      this.head = h;
      if (h === tail) this.head = this.tail = 0;
      return -1;
    }
    this.store = this.stores[h];
    this.id = this.ids[h];
    this.stream = this.streams[h];
    const w = this.where[h];
    fs[h] = undefined;
    this.head = h + 1;
    if (this.head === tail) this.head = this.tail = 0;
    return w;
  }

  /** Move the waiting entries to the front. */
  private shift(): void {
    const n = this.tail - this.head;
    for (let i = 0; i < n; i++) {
      this.frames[i] = this.frames[this.head + i];
      this.stores[i] = this.stores[this.head + i];
      this.ids[i] = this.ids[this.head + i];
      this.streams[i] = this.streams[this.head + i];
      this.where[i] = this.where[this.head + i];
    }
    for (let i = n; i < this.tail; i++) this.frames[i] = undefined;
    this.head = 0;
    this.tail = n;
  }

  private clear(): void {
    this.frames.fill(undefined);
    this.head = this.tail = 0;
  }
}
