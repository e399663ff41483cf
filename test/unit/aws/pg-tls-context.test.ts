/**
 * connectPostgres' TLS settings: the trusted CAs are parsed into one SecureContext per CA set and reused
 * (parsing the RDS bundle on every connection cost ~17 ms each); changing SWITCHYARD_DB_EXTRA_CA_FILE gives
 * another context, and verification stays on. Whether the context really verifies is proved against a
 * server in test/emulator/tls.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureEmulatorTls } from '../../../emulator/tls.ts';
import { mysqlTlsOptions } from '../../../src/aws/mysql-connection.ts';
import { databaseTlsOptions, EXTRA_CA_ENV } from '../../../src/aws/pg-connection.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('databaseTlsOptions', () => {
  it('reuses one SecureContext per CA set and always verifies', () => {
    const first = databaseTlsOptions({});
    expect(first.rejectUnauthorized).toBe(true);
    expect(databaseTlsOptions({}).secureContext).toBe(first.secureContext);
    const ca = ensureEmulatorTls(join(dir, 'a')).caFile;
    const withExtra = databaseTlsOptions({ [EXTRA_CA_ENV]: ca });
    expect(withExtra.secureContext).not.toBe(first.secureContext);
    expect(databaseTlsOptions({ [EXTRA_CA_ENV]: ca }).secureContext).toBe(withExtra.secureContext);
    expect(withExtra.rejectUnauthorized).toBe(true);
  });

  it('gives mysql2 one ssl object per CA set (mysql2 caches its SecureContext per object), always verifying', () => {
    const first = mysqlTlsOptions({});
    expect(first).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true, minVersion: 'TLSv1.2' });
    expect(mysqlTlsOptions({})).toBe(first);
    const ca = ensureEmulatorTls(join(dir, 'b')).caFile;
    const withExtra = mysqlTlsOptions({ [EXTRA_CA_ENV]: ca });
    expect(withExtra).not.toBe(first);
    expect(withExtra.ca.length).toBe(first.ca.length + 1);
    expect(mysqlTlsOptions({ [EXTRA_CA_ENV]: ca })).toBe(withExtra);
  });

  it('caches no context for a CA file it cannot use: the next call names the file and the fix again', () => {
    const bad = join(dir, 'not-a-ca.pem');
    writeFileSync(bad, 'not a certificate\n');
    for (let i = 0; i < 2; i++)
      expect(() => databaseTlsOptions({ [EXTRA_CA_ENV]: bad })).toThrow(/no PEM certificate in the file/);
  });
});
