/**
 * The emulator's certificate authority: one CA per emulator data dir, and one server certificate signed
 * by it that every database engine of that data dir serves (PostgreSQL today, MariaDB next). Clients
 * trust `caFile` the way they trust the Amazon RDS CA bundle in AWS: a PEM file they are handed.
 *
 * Engine-neutral: nothing here knows about PostgreSQL. An engine that runs as another OS user gets its
 * own copy of the private key with `installPrivateKey` (servers refuse keys other users can read).
 *
 * Certificates come from the openssl CLI (Node has no API to issue X.509 certificates).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export interface EmulatorTls {
  /** The CA certificate clients must trust (PEM), e.g. `sslrootcert=` for psql, `ssl.ca` for node-postgres. */
  caFile: string;
  caPem: string;
  /** The server certificate (PEM), valid for every name in `hosts`. */
  certFile: string;
  /** Its private key (PEM, mode 0600, owned by the emulator's user); see `installPrivateKey`. */
  keyFile: string;
  /** The subjectAltNames of the server certificate. */
  hosts: string[];
}

/** Every endpoint of the emulator is on loopback; callers may add more names. */
export const DEFAULT_HOSTS = ['127.0.0.1', 'localhost'];

const CA_DAYS = 3650;
const SERVER_DAYS = 825;
/** Re-issue the server certificate when it has less than this left (a long-lived data dir). */
const RENEW_SECONDS = 30 * 24 * 3600;

const OPENSSL = process.env.SWITCHYARD_OPENSSL ?? 'openssl';

const openssl = (args: string[]): string => {
  try {
    return execFileSync(OPENSSL, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT')
      throw new Error(
        `the emulator needs the openssl CLI to create its TLS certificates: install it (Debian: apt-get install -y openssl) or set SWITCHYARD_OPENSSL to its path`,
      );
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.trim() || err.message}`);
  }
};

const isIp = (h: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');

const validFor = (certFile: string, seconds: number): boolean => {
  try {
    execFileSync(OPENSSL, ['x509', '-checkend', String(seconds), '-noout', '-in', certFile], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
};

/**
 * Creates (once) or loads the CA and server certificate in `dir`. Idempotent: an existing CA is kept, so
 * clients that trust it keep working across emulator restarts; the server certificate is re-issued only
 * when it lacks one of `hosts` or is about to expire.
 */
export const ensureEmulatorTls = (dir: string, extraHosts: string[] = []): EmulatorTls => {
  const hosts = [...new Set([...DEFAULT_HOSTS, ...extraHosts])];
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // Servers run as their own OS users: they must reach the certificates (not the CA key).
  chmodSync(dir, 0o755);
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  const hostsFile = join(dir, 'server.hosts');

  if (!existsSync(caFile) || !existsSync(caKey) || !validFor(caFile, RENEW_SECONDS)) {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      String(CA_DAYS),
      '-subj',
      `/O=Switchyard emulator/CN=Switchyard emulator CA ${new Date().toISOString().slice(0, 10)}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      `${caKey}.tmp`,
      '-out',
      `${caFile}.tmp`,
    ]);
    chmodSync(`${caKey}.tmp`, 0o600);
    chmodSync(`${caFile}.tmp`, 0o644);
    renameSync(`${caKey}.tmp`, caKey);
    renameSync(`${caFile}.tmp`, caFile);
    rmSync(certFile, { force: true }); // signed by the old CA
  }

  const issued = existsSync(hostsFile) ? readFileSync(hostsFile, 'utf8').split('\n').filter(Boolean) : [];
  const covers = hosts.every((h) => issued.includes(h));
  if (!existsSync(certFile) || !existsSync(keyFile) || !covers || !validFor(certFile, RENEW_SECONDS)) {
    const names = [...new Set([...hosts, ...issued])];
    const csr = join(dir, 'server.csr');
    const ext = join(dir, 'server.ext');
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${names.map((h) => (isIp(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`,
        '',
      ].join('\n'),
    );
    try {
      openssl([
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/O=Switchyard emulator/CN=localhost',
        '-keyout',
        `${keyFile}.tmp`,
        '-out',
        csr,
      ]);
      openssl([
        'x509',
        '-req',
        '-sha256',
        '-days',
        String(SERVER_DAYS),
        '-in',
        csr,
        '-CA',
        caFile,
        '-CAkey',
        caKey,
        '-set_serial',
        `0x${Date.now().toString(16)}`,
        '-extfile',
        ext,
        '-out',
        `${certFile}.tmp`,
      ]);
    } finally {
      rmSync(csr, { force: true });
      rmSync(ext, { force: true });
    }
    chmodSync(`${keyFile}.tmp`, 0o600);
    chmodSync(`${certFile}.tmp`, 0o644);
    renameSync(`${keyFile}.tmp`, keyFile);
    renameSync(`${certFile}.tmp`, certFile);
    writeFileSync(hostsFile, `${names.join('\n')}\n`);
  }
  return { caFile, caPem: readFileSync(caFile, 'utf8'), certFile, keyFile, hosts };
};

/**
 * A copy of the server's private key that an engine running as `owner` may read: mode 0600, owned by
 * that user (PostgreSQL and MariaDB refuse a key that group or others can read). Returns its path.
 */
export const installPrivateKey = (
  tls: EmulatorTls,
  dest: string,
  owner: { uid: number; gid: number } | null,
): string => {
  copyFileSync(tls.keyFile, `${dest}.tmp`);
  chmodSync(`${dest}.tmp`, 0o600);
  if (owner) chownSync(`${dest}.tmp`, owner.uid, owner.gid);
  renameSync(`${dest}.tmp`, dest);
  return dest;
};

/** node-postgres / mysql2 `ssl` options that trust the emulator CA and verify the server certificate. */
export interface TlsClientOptions {
  ca: string;
  rejectUnauthorized: true;
}

export const tlsClientOptions = (tls: Pick<EmulatorTls, 'caPem'>): TlsClientOptions => ({
  ca: tls.caPem,
  rejectUnauthorized: true,
});
