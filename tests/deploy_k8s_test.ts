/**
 * The Kubernetes recipe: deploy/k8s-indexed-job.yaml validates against the
 * Kubernetes API schemas of 1.29 (the first with backoffLimitPerIndex) and
 * 1.37 with kubernetes-validate (PyPI; schemas bundled, works offline) in
 * strict mode, which a misspelt field fails; the shard Job's completions and
 * the N of `--shard` agree; deploy/Dockerfile installs the Deno CI pins.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { testWith } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MANIFEST = `${ROOT}deploy/k8s-indexed-job.yaml`;

async function validator(): Promise<string> {
  const setup = await new Deno.Command("bash", {
    args: [`${ROOT}tests/python_setup.sh`, "k8s"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!setup.success) return `tests/python_setup.sh k8s: ${new TextDecoder().decode(setup.stderr)}`;
  return new TextDecoder().decode(setup.stdout).trim().replace(/python$/, "kubernetes-validate");
}

const tool = await validator();
const missing = tool.startsWith("/") ? null : tool;

async function validate(file: string, version: string) {
  const out = await new Deno.Command(tool, {
    args: ["--strict", "-k", version, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { ok: out.success, text: text.decode(out.stdout) + text.decode(out.stderr) };
}

testWith({
  name: "the Kubernetes Indexed Job manifest validates against the 1.29 and 1.37 API schemas",
  async fn() {
    for (const version of ["1.29.0", "1.37.0"]) {
      const r = await validate(MANIFEST, version);
      assert.ok(r.ok, r.text);
      // All three resources were checked, not skipped.
      for (
        const what of [
          "persistentvolumeclaim/lamella-shards",
          "job/lamella-shards",
          "job/lamella-merge",
        ]
      ) {
        assert.match(r.text, new RegExp(`passed for resource ${what}`), r.text);
      }
    }
    // The validator is strict: a misspelt field fails it.
    const bad = await Deno.makeTempFile({ suffix: ".yaml" });
    try {
      const text = await Deno.readTextFile(MANIFEST);
      await Deno.writeTextFile(
        bad,
        text.replace("completionMode: Indexed", "completionMod: Indexed"),
      );
      const r = await validate(bad, "1.37.0");
      assert.ok(!r.ok);
      assert.match(r.text, /'completionMod' was unexpected/);
    } finally {
      await Deno.remove(bad);
    }
  },
}, missing);

Deno.test("the shard Job runs as many indexes as --shard says, and the merge reads their volume", async () => {
  const docs = parseAllDocuments(await Deno.readTextFile(MANIFEST)).map((d) => d.toJS());
  const shards = docs.find((d) => d.kind === "Job" && d.metadata.name === "lamella-shards");
  const merge = docs.find((d) => d.kind === "Job" && d.metadata.name === "lamella-merge");
  assert.equal(shards.spec.completionMode, "Indexed");
  const args = shards.spec.template.spec.containers[0].args.join(" ");
  const n = Number(/--shard=\$\(JOB_COMPLETION_INDEX\)\/(\d+)/.exec(args)?.[1]);
  assert.equal(shards.spec.completions, n);
  assert.ok(shards.spec.parallelism <= n);
  const claim = (job: typeof shards) =>
    job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
  assert.equal(claim(merge), claim(shards));
  assert.match(merge.spec.template.spec.containers[0].args.join(" "), /deno task merge/);
});

Deno.test("deploy/Dockerfile installs the Deno version CI pins", async () => {
  const docker = await Deno.readTextFile(`${ROOT}deploy/Dockerfile`);
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  const pinned = /deno@(\d+\.\d+\.\d+)/.exec(ci)![1];
  assert.match(docker, new RegExp(`npm install .*deno@${pinned.replaceAll(".", "\\.")}`));
});
