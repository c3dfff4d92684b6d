/**
 * The store contract: what every store (local, http(s), S3) offers to
 * zarrita, discovery and the chunk engine.
 *
 * @module
 */

/** A byte range: `length` bytes from `offset`, or the last `suffixLength` bytes. */
export type RangeQuery = { offset: number; length: number } | { suffixLength: number };

/** The read interface zarrita needs, plus optional listing for discovery. */
export interface Store {
  /** Bytes of `key`, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Bytes `range` of `key` (sharded arrays read shard indexes and inner chunks this way). */
  getRange?(key: string, range: RangeQuery): Promise<Uint8Array | undefined>;
  /** Child names (files and folders) under `prefix`, when the store can list. */
  list?(prefix: string): Promise<{ files: string[]; folders: string[] }>;
  /** Where the store lives, for messages. */
  readonly location: string;
}
