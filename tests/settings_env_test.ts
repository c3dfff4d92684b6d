import assert from "node:assert/strict";
import { ConfigError } from "../src/model/errors.ts";
import { DEFAULT_LIMITS, mergeLimits, parseLimitEnv } from "../src/plan/settings_env.ts";

function configError(source: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.source, source);
    assert.match(error.message, pattern);
    return true;
  };
}

Deno.test("every limit variable is parsed into its setting", () => {
  assert.deepEqual(
    parseLimitEnv({
      MEMORY_LIMIT_MB: "512",
      MAX_ARRAY_SIZE_MB: "2048.5",
      ZARR_CHUNK_SIZE_MB: "32",
      STREAMING_CHUNK_MB: "4",
      LARGE_ARRAY_MODE: "skip",
      LAMELLA_WORKERS: "3",
    }),
    {
      memoryLimitMb: 512,
      maxArraySizeMb: 2048.5,
      zarrChunkSizeMb: 32,
      streamingChunkMb: 4,
      largeArrayMode: "skip",
      workers: 3,
    },
  );
});

Deno.test("unset, empty and blank variables are left out", () => {
  assert.deepEqual(
    parseLimitEnv({ MEMORY_LIMIT_MB: "", LARGE_ARRAY_MODE: "  ", PATH: "/bin" }),
    {},
  );
});

Deno.test("surrounding whitespace and the case of LARGE_ARRAY_MODE are tolerated", () => {
  assert.deepEqual(parseLimitEnv({ LARGE_ARRAY_MODE: " Fail\n", STREAMING_CHUNK_MB: " 8 " }), {
    largeArrayMode: "fail",
    streamingChunkMb: 8,
  });
});

Deno.test("a negative size is rejected naming the variable and what it accepts", () => {
  assert.throws(
    () => parseLimitEnv({ MEMORY_LIMIT_MB: "-5" }),
    configError("MEMORY_LIMIT_MB", /MEMORY_LIMIT_MB.*positive number of megabytes.*"-5"/),
  );
});

Deno.test("a non-numeric size is rejected naming the variable", () => {
  assert.throws(
    () => parseLimitEnv({ ZARR_CHUNK_SIZE_MB: "16MB" }),
    configError("ZARR_CHUNK_SIZE_MB", /ZARR_CHUNK_SIZE_MB.*"16MB"/),
  );
});

Deno.test("a zero size is rejected", () => {
  assert.throws(
    () => parseLimitEnv({ STREAMING_CHUNK_MB: "0" }),
    configError("STREAMING_CHUNK_MB", /positive/),
  );
});

Deno.test("Infinity and exponent forms are not accepted as sizes", () => {
  assert.throws(() => parseLimitEnv({ MAX_ARRAY_SIZE_MB: "Infinity" }), ConfigError);
  assert.throws(() => parseLimitEnv({ MAX_ARRAY_SIZE_MB: "1e3" }), ConfigError);
});

Deno.test("an unknown LARGE_ARRAY_MODE is rejected listing stream, skip and fail", () => {
  assert.throws(
    () => parseLimitEnv({ LARGE_ARRAY_MODE: "drop" }),
    configError("LARGE_ARRAY_MODE", /stream, skip, fail.*"drop"/),
  );
});

Deno.test("LAMELLA_WORKERS must be a positive whole number", () => {
  assert.throws(
    () => parseLimitEnv({ LAMELLA_WORKERS: "1.5" }),
    configError("LAMELLA_WORKERS", /positive whole number.*"1\.5"/),
  );
  assert.throws(() => parseLimitEnv({ LAMELLA_WORKERS: "0" }), configError("LAMELLA_WORKERS", /0/));
});

Deno.test("merging with nothing set gives the defaults", () => {
  assert.deepEqual(mergeLimits({}, {}, {}), { ...DEFAULT_LIMITS });
});

Deno.test("flags beat the environment, which beats the config file, which beats defaults", () => {
  const limits = mergeLimits(
    { workers: 1 },
    { workers: 2, memoryLimitMb: 700 },
    { workers: 3, memoryLimitMb: 800, streamingChunkMb: 2 },
  );
  assert.equal(limits.workers, 1);
  assert.equal(limits.memoryLimitMb, 700);
  assert.equal(limits.streamingChunkMb, 2);
  assert.equal(limits.zarrChunkSizeMb, DEFAULT_LIMITS.zarrChunkSizeMb);
});

Deno.test("an undefined value in a higher layer defers to the lower one", () => {
  const limits = mergeLimits({ largeArrayMode: undefined }, {}, { largeArrayMode: "skip" });
  assert.equal(limits.largeArrayMode, "skip");
});

Deno.test("a memory fraction outside (0, 1] is rejected naming the layer and key that set it", () => {
  assert.throws(
    () => mergeLimits({}, {}, { memoryFraction: 1.5 }),
    (error: unknown) =>
      error instanceof ConfigError && error.source === "the pipeline file" &&
      error.key === "limits.memory_fraction" && /\(0, 1\]/.test(error.message),
  );
});

Deno.test("a chunked threshold below the direct threshold is rejected", () => {
  assert.throws(
    () => mergeLimits({ directMaxMb: 200 }, {}, {}),
    (error: unknown) =>
      error instanceof ConfigError && error.key === "chunkedMaxMb" &&
      /directMaxMb \(200\)/.test(error.message),
  );
});

Deno.test("a fractional worker count from a flag is rejected", () => {
  assert.throws(
    () => mergeLimits({ workers: 2.5 }, {}, {}),
    (error: unknown) =>
      error instanceof ConfigError && error.source === "--workers" &&
      /^--workers: expected a positive whole number/.test(error.message),
  );
});

Deno.test("an infinite memory limit override is rejected", () => {
  assert.throws(
    () => mergeLimits({}, {}, { memoryLimitMb: Infinity }),
    (error: unknown) => error instanceof ConfigError && error.key === "limits.memory_limit_mb",
  );
});

Deno.test("the default maximum array size means no maximum", () => {
  assert.equal(DEFAULT_LIMITS.maxArraySizeMb, Infinity);
});
