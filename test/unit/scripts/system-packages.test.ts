/** The pretest step: which Debian packages are missing, and what a person without root is told. */
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain ESM script without type declarations
import { manualInstructions, missingPackages, SYSTEM_PACKAGES } from '../../../scripts/system-packages.mjs';

type Package = { name: string; provides: string; tests: string };

describe('missingPackages', () => {
  it('lists exactly the packages whose proving file is absent', () => {
    // Prepare: only the AWS CLI is installed.
    const exists = (path: string) => path === '/usr/bin/aws';
    // Act
    const missing = missingPackages(SYSTEM_PACKAGES, exists) as Package[];
    // Assess
    expect(missing.map((p) => p.name)).toEqual([
      'chromium',
      'postgresql-client',
      'mariadb-server',
      'mariadb-client',
      'mariadb-backup',
    ]);
  });

  it('lists nothing on a machine that has them all', () => {
    expect(missingPackages(SYSTEM_PACKAGES, () => true)).toEqual([]);
  });
});

describe('manualInstructions', () => {
  it('gives the install command and names the tests that will fail', () => {
    const text = manualInstructions(SYSTEM_PACKAGES) as string;
    expect(text).toContain('apt-get install -y awscli chromium');
    expect(text).toContain('test/emulator/aws-cli.test.ts');
    expect(text).toContain('test/approval/browser.test.ts');
    expect(text).toContain('test/emulator/tls.test.ts');
    expect(text).toContain(
      'apt-get install -y awscli chromium postgresql-client mariadb-server mariadb-client mariadb-backup',
    );
    expect(text).toContain('test/emulator/mariadb-lifecycle.test.ts');
  });
});
