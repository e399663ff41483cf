/** The emulator's parameter-change decisions (emulator/rds/parameter-changes.ts), without servers. */
import { describe, expect, it } from 'vitest';
import {
  definitionsOf,
  immediateNames,
  modifyChanges,
  needsReboot,
  readOnlyWanted,
  registeredChanges,
  resetChanges,
} from '../../../emulator/rds/parameter-changes.ts';

const maria = definitionsOf('mariadb10.11');
const pg = definitionsOf('postgres17');

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('ModifyDBParameterGroup changes', () => {
  it('applies a dynamic parameter immediately and needs no reboot', () => {
    // Prepare / Act
    const changes = modifyChanges(maria, [{ name: 'read_only', value: '1', applyMethod: 'immediate' }]);
    // Assess
    expect(changes).toEqual([{ name: 'read_only', value: '1', method: 'immediate' }]);
    expect(needsReboot(changes)).toBe(false);
    expect(immediateNames(changes)).toEqual(['read_only']);
  });

  it('needs a reboot for a static parameter, and for a dynamic one sent with pending-reboot', () => {
    const stat = modifyChanges(maria, [
      { name: 'lower_case_table_names', value: '1', applyMethod: 'pending-reboot' },
    ]);
    expect(needsReboot(stat)).toBe(true);
    expect(immediateNames(stat)).toEqual([]);
    const later = modifyChanges(maria, [{ name: 'read_only', value: '1', applyMethod: 'pending-reboot' }]);
    expect(needsReboot(later)).toBe(true);
    expect(immediateNames(later)).toEqual([]);
  });

  it('refuses immediate for a static parameter with RDS code and names the parameter', () => {
    const f = () =>
      modifyChanges(pg, [{ name: 'rds.logical_replication', value: '1', applyMethod: 'immediate' }]);
    expect(codeOf(f)).toBe('InvalidParameterCombination');
    expect(f).toThrow(/cannot use immediate apply method for static parameter rds\.logical_replication/);
  });

  it('refuses a missing or unknown ApplyMethod, a missing name or value, an empty list and more than 20', () => {
    expect(() => modifyChanges(maria, [{ name: 'read_only', value: '1' }])).toThrow(
      /ApplyMethod must be provided for read_only/,
    );
    expect(() => modifyChanges(maria, [{ name: 'read_only', value: '1', applyMethod: 'now' }])).toThrow(
      /Invalid ApplyMethod now/,
    );
    expect(() => modifyChanges(maria, [{ value: '1', applyMethod: 'immediate' }])).toThrow(
      /ParameterName must be provided \(Parameters\.Parameter\.1\)/,
    );
    expect(() => modifyChanges(maria, [{ name: 'read_only', applyMethod: 'immediate' }])).toThrow(
      /ParameterValue must be provided for read_only/,
    );
    expect(codeOf(() => modifyChanges(maria, []))).toBe('InvalidParameterValue');
    const many = Array.from({ length: 21 }, (_, i) => ({
      name: `p${i}`,
      value: '1',
      applyMethod: 'immediate',
    }));
    expect(() => modifyChanges(maria, many)).toThrow(/maximum of 20 parameters/);
  });

  it('accepts read_only 0, 1 and {TrueIfReplica} only', () => {
    for (const value of ['0', '1', '{TrueIfReplica}'])
      expect(modifyChanges(maria, [{ name: 'read_only', value, applyMethod: 'immediate' }])).toHaveLength(1);
    expect(() =>
      modifyChanges(maria, [{ name: 'read_only', value: 'ON', applyMethod: 'immediate' }]),
    ).toThrow(/Invalid value ON for parameter read_only: use 0, 1 or \{TrueIfReplica\}/);
  });
});

describe('ResetDBParameterGroup changes', () => {
  const user = { read_only: '1', lower_case_table_names: '1', binlog_format: 'ROW' };

  it('resets everything by default: dynamic ones at once, static ones on reboot', () => {
    const changes = resetChanges(maria, user, [], undefined);
    expect(changes).toEqual([
      { name: 'read_only', value: undefined, method: 'immediate' },
      { name: 'lower_case_table_names', value: undefined, method: 'pending-reboot' },
      { name: 'binlog_format', value: undefined, method: 'immediate' },
    ]);
    expect(needsReboot(changes)).toBe(true);
    expect(resetChanges(maria, user, [], true)).toEqual(changes);
  });

  it('resets only the named parameters, each with its apply method', () => {
    const changes = resetChanges(maria, user, [{ name: 'read_only', applyMethod: 'immediate' }], undefined);
    expect(changes).toEqual([{ name: 'read_only', value: undefined, method: 'immediate' }]);
    expect(needsReboot(changes)).toBe(false);
  });

  it('refuses both forms at once, neither, an unknown name and immediate for a static parameter', () => {
    expect(
      codeOf(() => resetChanges(maria, user, [{ name: 'read_only', applyMethod: 'immediate' }], true)),
    ).toBe('InvalidParameterCombination');
    expect(codeOf(() => resetChanges(maria, user, [], false))).toBe('InvalidParameterCombination');
    expect(() =>
      resetChanges(maria, user, [{ name: 'no_such', applyMethod: 'immediate' }], undefined),
    ).toThrow('Could not find parameter with name: no_such');
    expect(
      codeOf(() =>
        resetChanges(maria, user, [{ name: 'lower_case_table_names', applyMethod: 'immediate' }], undefined),
      ),
    ).toBe('InvalidParameterCombination');
    expect(() => resetChanges(maria, user, [{ name: 'read_only' }], undefined)).toThrow(
      /ApplyMethod must be provided/,
    );
  });
});

describe('registered changes', () => {
  it('drops a change that leaves the user value as it is, keeps the others', () => {
    const user = { read_only: '1' };
    const same = modifyChanges(maria, [{ name: 'read_only', value: '1', applyMethod: 'immediate' }]);
    expect(registeredChanges(same, user)).toEqual([]);
    const other = modifyChanges(maria, [{ name: 'read_only', value: '0', applyMethod: 'immediate' }]);
    expect(registeredChanges(other, user)).toEqual(other);
    const resetUnset = resetChanges(
      maria,
      user,
      [{ name: 'binlog_format', applyMethod: 'immediate' }],
      undefined,
    );
    expect(registeredChanges(resetUnset, user)).toEqual([]);
    const resetSet = resetChanges(maria, user, [{ name: 'read_only', applyMethod: 'immediate' }], undefined);
    expect(registeredChanges(resetSet, user)).toEqual(resetSet);
  });
});

describe('read_only for a group value', () => {
  it('is 1 or 0 as set, and {TrueIfReplica} (or no user value) follows whether the instance is a replica', () => {
    expect(readOnlyWanted('1', false)).toBe(true);
    expect(readOnlyWanted('0', true)).toBe(false);
    expect(readOnlyWanted('{TrueIfReplica}', true)).toBe(true);
    expect(readOnlyWanted('{TrueIfReplica}', false)).toBe(false);
    expect(readOnlyWanted(undefined, true)).toBe(true);
    expect(readOnlyWanted(undefined, false)).toBe(false);
  });
});
