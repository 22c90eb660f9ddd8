// Named error classes: each failure mode has its own, with a message that names the op or field,
// what was seen and what was expected.

/** Base class of every @ddpo error, so callers can catch the library's errors as one kind. */
export class DdpoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An op received operands whose shapes it cannot combine. */
export class ShapeError extends DdpoError {
  constructor(
    readonly op: string,
    readonly shapes: readonly (readonly number[])[],
    detail: string,
  ) {
    super(`${op}: ${detail} (operand shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')})`);
  }
}

/** An op received operands of a dtype it does not accept. */
export class DTypeError extends DdpoError {
  constructor(
    readonly op: string,
    readonly dtypes: readonly string[],
    detail: string,
  ) {
    super(`${op}: ${detail} (operand dtypes ${dtypes.join(', ')})`);
  }
}

/** An adapter cannot run an op (or dtype) that the IR allows. */
export class UnsupportedOpError extends DdpoError {
  constructor(
    readonly op: string,
    readonly dtype: string,
    readonly adapter: string,
  ) {
    super(`${adapter}: op ${op} is not supported for dtype ${dtype}`);
  }
}

/** Feeds given to a compiled graph do not match its inputs (missing, extra, wrong shape or dtype). */
export class FeedError extends DdpoError {}

/** A graph is malformed: values from two builders mixed, an output that is not a value, etc. */
export class GraphError extends DdpoError {}
