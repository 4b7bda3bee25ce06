/**
 * Certificates made at test time with the `openssl` command (no key or certificate is checked in):
 * a test CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and, for
 * "bad certificate" cases, a second CA that has nothing to do with the first, a certificate for
 * 127.0.0.1 signed by that wrong CA, and a self-signed one. EC P-256 keys: fast to make.
 *
 * Every certificate is valid from now for {@link VALIDITY_DAYS} days. Files live in a temp dir
 * that `remove()` deletes.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long one openssl call may take. */
const OPENSSL_TIMEOUT_MS = 10_000;
const VALIDITY_DAYS = 2;

/** A key pair's files (PEM). */
export interface CertFiles {
  /** The certificate. */
  certFile: string;
  /** Its private key (unencrypted). */
  keyFile: string;
}

/** What {@link makeTestCerts} made; every path is in `dir`. */
export interface TestCerts {
  /** The temp dir that holds every file. */
  dir: string;
  /** The test CA: trust `ca.certFile` to accept `server` and `client`. */
  ca: CertFiles;
  /** Signed by `ca`, subjectAltName IP:127.0.0.1, for server and client use (nodes present it both ways). */
  server: CertFiles;
  /** Signed by `ca`, for client use only. */
  client: CertFiles;
  /** A CA unrelated to `ca`: a client that trusts only it refuses every node. */
  otherCa: CertFiles;
  /** For 127.0.0.1 like `server`, but signed by `otherCa`: nodes that trust `ca` refuse it. */
  wrongCa: CertFiles;
  /** For 127.0.0.1, signed by its own key: trusted by nobody. */
  selfSigned: CertFiles;
  /** Deletes every file. Idempotent. */
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: OPENSSL_TIMEOUT_MS });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`openssl ${args[0]} failed: ${String(stderr ?? error)}`, { cause: error });
  }
}

function randomSerial(): string {
  return `0x${Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('')}1`;
}

const CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
];

const LEAF_EXTENSIONS = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature'];

const SERVER_EXTENSIONS = [
  ...LEAF_EXTENSIONS,
  'extendedKeyUsage=serverAuth,clientAuth',
  'subjectAltName=IP:127.0.0.1',
];

const CLIENT_EXTENSIONS = [...LEAF_EXTENSIONS, 'extendedKeyUsage=clientAuth'];

/**
 * Makes a key and a certificate `<name>.key`/`<name>.crt` in `dir`, signed by `issuer` or by
 * itself when `issuer` is undefined.
 */
async function makeCert(
  dir: string,
  name: string,
  subject: string,
  extensions: readonly string[],
  issuer: CertFiles | undefined,
): Promise<CertFiles> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], dir);
  await openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr], dir);
  await writeFile(ext, `${extensions.join('\n')}\n`);
  const signer = issuer
    ? ['-CA', issuer.certFile, '-CAkey', issuer.keyFile, '-set_serial', randomSerial()]
    : ['-signkey', keyFile];
  const days = String(VALIDITY_DAYS);
  await openssl(
    ['x509', '-req', '-in', csr, ...signer, '-days', days, '-sha256', '-extfile', ext, '-out', certFile],
    dir,
  );
  await Promise.all([rm(csr), rm(ext)]);
  return { certFile, keyFile };
}

/** Makes every certificate of {@link TestCerts} in a new temp dir (~0.1 s). */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-sentinel-pool-certs-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const [ca, otherCa] = await Promise.all([
      makeCert(dir, 'ca', '/CN=redis-sentinel-pool test CA', CA_EXTENSIONS, undefined),
      makeCert(dir, 'other-ca', '/CN=redis-sentinel-pool unrelated CA', CA_EXTENSIONS, undefined),
    ]);
    const [server, client, wrongCa, selfSigned] = await Promise.all([
      makeCert(dir, 'server', '/CN=127.0.0.1', SERVER_EXTENSIONS, ca),
      makeCert(dir, 'client', '/CN=redis-sentinel-pool test client', CLIENT_EXTENSIONS, ca),
      makeCert(dir, 'wrong-ca', '/CN=127.0.0.1', SERVER_EXTENSIONS, otherCa),
      makeCert(dir, 'self-signed', '/CN=127.0.0.1', SERVER_EXTENSIONS, undefined),
    ]);
    return { dir, ca, server, client, otherCa, wrongCa, selfSigned, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * What a client needs to reach nodes that trust `certs.ca` and require client certificates: the
 * test CA, and the client certificate and key (the `tls` / `sentinelTLS` options).
 */
export function clientTls(certs: TestCerts): ConnectionOptions {
  return {
    ca: readFileSync(certs.ca.certFile),
    cert: readFileSync(certs.client.certFile),
    key: readFileSync(certs.client.keyFile),
  };
}
