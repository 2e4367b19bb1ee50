// Queuing strategies (WHATWG Streams).
// Method definitions, as Web IDL makes them: named "size", with no
// prototype property, and not constructors.
const byteLengthSize = { size(chunk) { return chunk.byteLength; } }.size;
const countSize = { size() { return 1; } }.size;

function hwmOf(init, what) {
  if (init === null || typeof init !== "object" || init.highWaterMark === undefined) {
    throw new TypeError(`Failed to construct '${what}': required member highWaterMark is undefined.`);
  }
  return Number(init.highWaterMark);
}

export class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = hwmOf(init, "ByteLengthQueuingStrategy"); }
  get highWaterMark() { return this.#hwm; }
  get size() { return byteLengthSize; }
}
Object.defineProperty(ByteLengthQueuingStrategy.prototype, Symbol.toStringTag, { value: "ByteLengthQueuingStrategy", configurable: true });

export class CountQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = hwmOf(init, "CountQueuingStrategy"); }
  get highWaterMark() { return this.#hwm; }
  get size() { return countSize; }
}
Object.defineProperty(CountQueuingStrategy.prototype, Symbol.toStringTag, { value: "CountQueuingStrategy", configurable: true });
