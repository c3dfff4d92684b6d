/**
 * moto's S3 server (installed by tests/s3_setup.sh into the test cache) on
 * 127.0.0.1 for tests: open (moto's default, no signatures checked) or with
 * request signing checked, where moto's IAM gets one user allowed `s3:*` and
 * every S3 request must carry a valid SigV4 signature of that user's key
 * (moto answers 403 SignatureDoesNotMatch otherwise).
 */

import { cacheDir } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PYTHON = `${cacheDir("s3test")}/venv/bin/python`;
const text = new TextDecoder();

/** Starts moto on 127.0.0.1 with a free port, prints the port, stops when stdin closes. */
const OPEN_LAUNCHER = `
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
`;

/** Starts moto on 127.0.0.1, creates an IAM user and key, prints "PORT KEY SECRET", stops when stdin closes. */
const SIGNING_LAUNCHER = `
import os, sys
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
from moto.server import ThreadedMotoServer
import boto3
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server.get_host_and_port()[1]
iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="lamella")
iam.put_user_policy(UserName="lamella", PolicyName="s3", PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}')
key = iam.create_access_key(UserName="lamella")["AccessKey"]
print(port, key["AccessKeyId"], key["SecretAccessKey"], flush=True)
sys.stdin.read()
server.stop()
`;

/** Why moto cannot be used here, or null once it is installed (running tests/s3_setup.sh). */
export async function motoUnavailable(): Promise<string | null> {
  try {
    const setup = await new Deno.Command("bash", {
      args: [`${ROOT}tests/s3_setup.sh`],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).output();
    if (setup.code === 0) return null;
    const tail = text.decode(setup.stderr).trim().split("\n").slice(-3).join(" | ");
    return `tests/s3_setup.sh exited ${setup.code}: ${tail}`;
  } catch (e) {
    return `tests/s3_setup.sh could not run: ${(e as Error).message}`;
  }
}

/** A running moto server. */
export interface Moto {
  /** `http://127.0.0.1:PORT` */
  url: string;
  stop(): Promise<void>;
}

/** A running moto server that checks signatures, with the key it accepts. */
export interface SigningMoto extends Moto {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Starts moto with no signature checks; fails when it does not start within a minute. */
export async function startMoto(): Promise<Moto> {
  const { url, stop } = await launch(OPEN_LAUNCHER, 1);
  return { url, stop };
}

/** Starts moto with signature checks on; fails when it does not start within a minute. */
export async function startSigningMoto(): Promise<SigningMoto> {
  const { url, stop, fields: [accessKeyId, secretAccessKey] } = await launch(SIGNING_LAUNCHER, 3);
  return { url, accessKeyId, secretAccessKey, stop };
}

/** Runs a launcher script and reads its first line: the port, then `fields - 1` more words. */
async function launch(
  script: string,
  fields: number,
): Promise<Moto & { fields: string[] }> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", script],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const stdin = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    await stdin.close().catch(() => {});
    const killer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 10_000);
    try {
      await child.status;
    } finally {
      clearTimeout(killer);
      await lines.cancel().catch(() => {});
      await stderr.catch(() => {});
    }
  };
  let out = "";
  const deadline = setTimeout(() => lines.cancel(), 60_000);
  try {
    while (!out.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      out += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  const [port, ...rest] = out.trim().split(/\s+/);
  if (!(Number(port) > 0) || rest.length !== fields - 1 || rest.some((w) => !w)) {
    await stop();
    throw new Error(`moto did not start: stdout "${out.trim()}", stderr ${await stderr}`);
  }
  return { url: `http://127.0.0.1:${port}`, stop, fields: rest };
}
