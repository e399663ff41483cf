#!/usr/bin/env node
/**
 * `npm test` runs this first (`pretest`): the Debian packages some tests drive as real parts. When one is
 * missing and this process is root on a machine with apt-get, it installs them (`apt-get update`, then
 * `apt-get install -y`); otherwise it prints the command to run and which tests will fail without it.
 * It never fails the test run itself: the tests that need a missing package fail with their own message.
 * Add a package here (one line) when a test starts needing one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Debian package → the file that proves it is installed, and the tests that need it. */
export const SYSTEM_PACKAGES = [
  {
    name: 'awscli',
    provides: '/usr/bin/aws',
    tests: 'test/emulator/aws-cli.test.ts (AWS CLI v2 as the emulator’s second real client)',
  },
  {
    name: 'chromium',
    provides: '/usr/bin/chromium',
    tests:
      'test/approval/browser.test.ts, test/approval/browser-emulator.test.ts (the approval page in a browser)',
  },
  {
    name: 'postgresql-client',
    provides: '/usr/bin/psql',
    tests: 'test/emulator/tls.test.ts (psql with sslmode=disable is refused, verify-full accepted)',
  },
  // MariaDB 10.11 serves the emulator's mariadb and mysql (stand-in) instances (emulator/README.md).
  // Without them those tests are skipped and print this install command.
  {
    name: 'mariadb-server',
    provides: '/usr/sbin/mariadbd',
    tests:
      'test/emulator/mariadb-lifecycle.test.ts, test/emulator/mariadb-restart.test.ts (skipped without it)',
  },
  {
    name: 'mariadb-client',
    provides: '/usr/bin/mariadb',
    tests: 'switchyard emulator --engine mariadb|mysql (the printed mariadb command line)',
  },
  {
    name: 'mariadb-backup',
    provides: '/usr/bin/mariadb-backup',
    tests: 'test/emulator/mariadb-lifecycle.test.ts (green is built with mariadb-backup; skipped without it)',
  },
];

/** The packages whose proving file is absent. */
export const missingPackages = (packages = SYSTEM_PACKAGES, exists = existsSync) =>
  packages.filter((p) => !exists(p.provides));

/** What to tell a person who must install them by hand. */
export const manualInstructions = (missing) =>
  [
    `Missing Debian package(s): ${missing.map((p) => p.name).join(', ')}. Install them with:`,
    `  sudo apt-get update && sudo apt-get install -y ${missing.map((p) => p.name).join(' ')}`,
    'Until then these tests will fail:',
    ...missing.map((p) => `  - ${p.tests}`),
  ].join('\n');

const canInstall = () =>
  process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

const run = (args) =>
  spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  }).status === 0;

const main = () => {
  if (process.env.SWITCHYARD_SKIP_SYSTEM_PACKAGES === '1') return;
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (!canInstall()) {
    console.warn(manualInstructions(missing));
    return;
  }
  const names = missing.map((p) => p.name);
  console.log(`Installing Debian package(s) the tests need: ${names.join(', ')}`);
  // mariadb-server's postinst would start and enable mariadb.service on a systemd host; the emulator
  // runs its own servers, so keep package services from starting during the install.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = names.includes('mariadb-server') && !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    if (!(run(['update', '-qq']) && run(['install', '-y', '-qq', ...names]))) {
      console.warn(`apt-get could not install them.\n${manualInstructions(missingPackages())}`);
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
