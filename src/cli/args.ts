/**
 * A small command-line parser (pure): `--flag`, `--flag value`, `--flag=value`, `-h`, `--` and
 * positionals, checked against a command's spec, plus the help text made from the same spec.
 * No dependency: the CLI needs a dozen options, not a framework.
 */
import { closestName } from '../did-you-mean.js';

/** One option of a command. */
export interface OptionSpec {
  /** `boolean` options take no value; `string` options take exactly one. */
  readonly type: 'boolean' | 'string';
  /** One line for `--help`. */
  readonly description: string;
  /** What the value looks like in `--help`, e.g. `h:p,h:p`. @default 'value' */
  readonly placeholder?: string;
  /** A one-letter alias, without the dash. */
  readonly short?: string;
  /** Whether a usage error names it when missing. @default false */
  readonly required?: boolean;
}

/** A command: its name, what it does, its options, and examples for `--help`. */
export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Paragraphs printed after the usage line. */
  readonly details?: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples?: readonly string[];
}

/** The parsed values: `true`/`false` for boolean options, the string or `undefined` for others. */
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = {
  -readonly [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** What {@link parseArgs} found. */
export interface ParsedArgs<O extends Readonly<Record<string, OptionSpec>>> {
  /** Whether `--help` or `-h` was given (other checks are then skipped). */
  readonly isHelp: boolean;
  readonly values: OptionValues<O>;
  readonly positionals: readonly string[];
}

/** Bad command-line arguments: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command the error is about, for the "see … --help" hint; undefined for the top level. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** At most this many arguments are read: a bound, and no command needs more. */
const MAX_ARGS = 200;

/** ` (did you mean "x"?)` when `key` looks like a typo of one of `known`, else ''. */
export function didYouMean(key: string, known: Iterable<string>): string {
  const guess = closestName(key, new Set(known));
  return guess === undefined ? '' : ` (did you mean ${guess}?)`;
}

function unknownOption(spec: CommandSpec, name: string): UsageError {
  const known = [...Object.keys(spec.options), 'help'].map((n) => `--${n}`);
  return new UsageError(`unknown option --${name}${didYouMean(`--${name}`, known)}`, spec.name);
}

/**
 * The usage error of a stray argument. Right after a string option's value it is most likely a
 * second value written with a space (`--sentinels a:1 b:2`), so the message says so.
 */
function unexpectedArgument(spec: CommandSpec, args: readonly string[], arg: string): UsageError {
  const at = args.indexOf(arg);
  const option = at >= 2 && args[at - 2]!.startsWith('--') ? args[at - 2]!.slice(2) : undefined;
  const hint =
    option !== undefined && spec.options[option]?.type === 'string'
      ? ` after --${option} ${args[at - 1]} (an option takes one value: separate a list with commas, no spaces)`
      : '';
  return new UsageError(`unexpected argument "${arg}"${hint}`, spec.name);
}

function findShort(spec: CommandSpec, letter: string): string | undefined {
  return Object.keys(spec.options).find((name) => spec.options[name]?.short === letter);
}

/** Splits `--name=value`, `--name`, `-x` into the option name and an inline value. */
function optionOf(spec: CommandSpec, arg: string): { name: string; inline: string | undefined } {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    return eq === -1
      ? { name: arg.slice(2), inline: undefined }
      : { name: arg.slice(2, eq), inline: arg.slice(eq + 1) };
  }
  const name = findShort(spec, arg.slice(1));
  if (name === undefined) throw new UsageError(`unknown option ${arg}`, spec.name);
  return { name, inline: undefined };
}

/**
 * Parses `args` (without the program and command names) against `spec`. A later occurrence of
 * an option replaces an earlier one.
 * @throws UsageError on an unknown option, a missing value, a value given to a boolean option,
 *   an unexpected positional or a missing required option.
 */
export function parseArgs<O extends Readonly<Record<string, OptionSpec>>>(
  args: readonly string[],
  spec: CommandSpec & { options: O },
  maxPositionals = 0,
): ParsedArgs<O> {
  if (args.length > MAX_ARGS) throw new UsageError(`too many arguments (${args.length})`, spec.name);
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    values[name] = option.type === 'boolean' ? false : undefined;
  }
  const positionals: string[] = [];
  let isHelp = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      isHelp = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const { name, inline } = optionOf(spec, arg);
    const option = spec.options[name];
    if (option === undefined) throw unknownOption(spec, name);
    if (option.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`, spec.name);
      values[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`option --${name} needs a value (${option.placeholder ?? 'value'})`, spec.name);
    }
    values[name] = value;
  }
  if (!isHelp) {
    if (positionals.length > maxPositionals)
      throw unexpectedArgument(spec, args, positionals[maxPositionals]!);
    for (const [name, option] of Object.entries(spec.options)) {
      if (option.required && values[name] === undefined) {
        throw new UsageError(`missing --${name} ${option.placeholder ?? 'value'}`, spec.name);
      }
    }
  }
  return { isHelp, values: values as OptionValues<O>, positionals };
}

/** Reads a whole number from an option value. @throws UsageError when it is not one in range. */
export function parseInteger(
  command: string,
  option: string,
  value: string,
  min: number,
  max: number,
): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${option} must be a whole number from ${min} to ${max}, got "${value}"`, command);
  }
  return number;
}

/** The `--help` text of a command. */
export function formatHelp(program: string, spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : '';
    const value = option.type === 'string' ? ` <${option.placeholder ?? 'value'}>` : '';
    return [`${short}--${name}${value}`, option.description] as const;
  });
  rows.push(['-h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const required = Object.entries(spec.options)
    .filter(([, o]) => o.required)
    .map(([name, o]) => ` --${name} <${o.placeholder ?? 'value'}>`)
    .join('');
  const lines = [`Usage: ${program} ${spec.name}${required} [options]`, '', spec.summary];
  for (const paragraph of spec.details ?? []) lines.push('', paragraph);
  lines.push('', 'Options:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`));
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${program} ${e}`));
  return `${lines.join('\n')}\n`;
}

/** The top-level help: every command with its summary. */
export function formatCommandList(program: string, specs: readonly CommandSpec[], blurb: string): string {
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    `Usage: ${program} <command> [options]`,
    '',
    blurb,
    '',
    'Commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    `Run "${program} <command> --help" for the options of a command.`,
    '',
  ].join('\n');
}
