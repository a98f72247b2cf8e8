/**
 * Reading resource arguments after evaluation. Terraform JSON writes a nested block as an object or a list
 * of objects; both are accepted. A missing or mistyped argument is an error naming the resource and the
 * argument, since it means the plan is not what the handler was written for.
 */
import { randomBytes } from 'node:crypto';
import { Value } from '../expression';
import { Attributes } from '../types';

export function requireString(config: Attributes, name: string, where: string): string {
  const value = config[name];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`${where}: argument "${name}" must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function optionalString(config: Attributes, name: string): string | undefined {
  const value = config[name];
  return typeof value === 'string' ? value : undefined;
}

export function optionalBoolean(config: Attributes, name: string): boolean | undefined {
  const value = config[name];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

export function optionalNumber(config: Attributes, name: string): number | undefined {
  const value = config[name];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** A nested block as a list of objects (`undefined`/null = none). */
export function blocks(value: Value | undefined, where: string): Attributes[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new Error(`${where}: expected a block (object), got ${describe(item)}`);
    }
    return item;
  });
}

/** `tags = { k = v }` as the SDK's `[{ Key, Value }]`. */
export function tagList(value: Value | undefined, where: string): { Key: string; Value: string }[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: tags must be a map of strings, got ${describe(value)}`);
  }
  return Object.entries(value).map(([Key, v]) => ({ Key, Value: String(v) }));
}

function describe(value: Value | undefined): string {
  if (value === undefined) return 'nothing (argument missing)';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value;
}

/** Terraform's `name_prefix` naming: the prefix (default `terraform-`) and a unique suffix, within `max`. */
export function uniqueName(prefix: string | undefined, max: number): string {
  const suffix = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
  return `${prefix ?? 'terraform-'}${suffix}`.slice(0, max);
}
