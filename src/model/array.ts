/**
 * What lamella knows about an array before any stage runs: its description
 * for the stages and its place in an OME-NGFF multiscale pyramid.
 *
 * @module
 */
import type { NumericDtype } from "../../kernels/mod.ts";

/** An array as the stages see it: what a stage knows about the array it runs on. */
export interface ArrayInfo {
  /** Path inside the store, without a leading slash. */
  path: string;
  /** Element type. */
  dtype: NumericDtype;
  /** Extent of each axis. */
  shape: number[];
  /** Chunk extent of each axis. */
  chunks: number[];
  /** Decoded size in bytes. */
  bytes?: number;
  /** Statistics from a first pass, when a stage asked for one. */
  prepass?: { min: number | null; max: number | null; count: number };
  /** Memory (bytes) a stage may hold for this array; unlimited when absent. */
  budgetBytes?: number;
  /** Workers a stage that reads the array itself may use (1 when absent). */
  workers?: number;
}

/** OME-NGFF scale and translation of one multiscale level (and the axis names, when given). */
export interface Multiscale {
  /** Physical size of a voxel along each axis. */
  scale: number[];
  /** Physical position of the first voxel along each axis. */
  translation: number[];
  /** Axis names, when the multiscale declares them. */
  axes?: string[];
}
