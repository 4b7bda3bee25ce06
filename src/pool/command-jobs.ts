/**
 * What a call on a pool becomes: a {@link Job} for its runner, or the error that refuses it
 * before anything is sent (a command that needs a connection of its own, a write to a replica).
 * The pool says what it refuses and how it wraps its commands ({@link JobRules}).
 */
import {
  type CommandKind,
  classifyCommand,
  commandOf,
  isScriptCommand,
  kindByName,
} from '../commands/command-info.js';
import { commandMethodNames } from '../commands/command-methods.js';
import type { ScriptDefinition } from '../commands/script-definition.js';
import { DedicatedConnectionRequiredError } from '../errors.js';
import { batchInvoker } from './batch-invoker.js';
import {
  BUFFER_REPLIES,
  commandJob,
  type Invoker,
  type InvokerWrap,
  invokerFor,
  type Job,
  type JobKind,
  newJob,
  type ReplyOptions,
  STRING_REPLIES,
} from './job.js';

/** What a pool tells the job builder. */
export interface JobRules {
  /** The pool's own Lua command of that name (defineCommand), if any. */
  script(command: string): ScriptDefinition | undefined;
  /** An error for a command this pool must not send (a write to a replica), or undefined. */
  refuse(command: string, kind: JobKind): Error | undefined;
  /** A wrap every command of the pool gets (durable writes), or undefined. */
  poolWrap(): InvokerWrap | undefined;
  /** Master pools: a pipeline whose every write got READONLY is resent whole. */
  rediscoverOnReadonly(): boolean;
}

/**
 * The job for `method(...args)` (`get`, `getBuffer`, `call`, a defined Lua command), wrapped by
 * the pool's wrap inside the caller's `wrap` (a session's); or the error that refuses it.
 */
export function jobForCommand(
  method: string,
  args: unknown[],
  rules: JobRules,
  wrap: InvokerWrap | undefined,
): Job | Error {
  // Undefined for a Lua command of the pool's.
  const builtIn = builtInMethods.get(method);
  let command: string;
  let kind: CommandKind;
  let isResendable: boolean;
  let replyOptions: ReplyOptions | undefined;
  if (builtIn !== undefined && builtIn.kind !== 'by-arguments') {
    // The common case: everything but the pool's refusal was decided once for the method.
    ({ command, kind, isResendable, replyOptions } = builtIn);
  } else {
    command = commandOf(method, args);
    // A Lua command of the pool's (`swap`, `swapBuffer`, `call('swap')`); defineCommand refuses
    // the names of built-in methods, and only XREAD and XREADGROUP come here by name.
    const script = builtIn?.replyOptions === undefined ? rules.script(command) : undefined;
    kind = script
      ? script.readOnly
        ? 'read'
        : 'write'
      : classifyCommand(command, method.startsWith('call') ? args.slice(1) : args);
    // A script may have written before it returned an error: never resent (see Job).
    isResendable = script === undefined && !isScriptCommand(command);
    replyOptions = builtIn?.replyOptions;
  }
  if (kind === 'dedicated') return new DedicatedConnectionRequiredError(command);
  const refused = rules.refuse(command, kind);
  if (refused) return refused;
  const poolWrap = rules.poolWrap();
  // Unwrapped (the common case), the job itself says what to call: no invoker closure.
  if (wrap === undefined && poolWrap === undefined) {
    return commandJob(command, kind, method, args, isResendable, replyOptions);
  }
  const invoke = wrapped(invokerFor(method, args), kind, poolWrap, wrap);
  return newJob(command, kind, invoke, isResendable, wrap?.prefer);
}

/** What is known of a command method of ioredis (`get`, `getBuffer`) before it is called. */
interface BuiltInMethod {
  readonly command: string;
  /** `by-arguments`: XREAD and XREADGROUP, which block only with a BLOCK argument. */
  readonly kind: CommandKind | 'by-arguments';
  readonly isResendable: boolean;
  /** Undefined for `call`/`callBuffer`, whose command is their first argument. */
  readonly replyOptions: ReplyOptions | undefined;
}

const builtInMethods = new Map<string, BuiltInMethod>();
for (const method of commandMethodNames()) {
  const isCall = method === 'call' || method === 'callBuffer';
  const command = isCall ? '' : commandOf(method, []);
  builtInMethods.set(method, {
    command,
    kind: isCall ? 'by-arguments' : kindByName(command),
    isResendable: !isScriptCommand(command),
    // `command` is `method` without its `Buffer` suffix (commandOf).
    replyOptions: isCall ? undefined : method.length === command.length ? STRING_REPLIES : BUFFER_REPLIES,
  });
}

/**
 * The job of a recorded pipeline or transaction, sent on one connection. It counts as a read
 * (retried after a lost connection) only if every command in it is a read.
 */
export function jobForBatch(
  commands: unknown[][],
  isTransaction: boolean,
  rules: JobRules,
  wrap: InvokerWrap | undefined,
): Job | Error {
  let writeCount = 0;
  for (const [method, ...args] of commands) {
    const command = commandOf(String(method), args);
    const commandKind = classifyCommand(command, args);
    if (commandKind === 'dedicated') return new DedicatedConnectionRequiredError(command);
    const refused = rules.refuse(command, commandKind);
    if (refused) return refused;
    if (commandKind === 'write') writeCount += 1;
  }
  const kind: JobKind = writeCount > 0 ? 'write' : 'read';
  const invoke = batchInvoker(commands, isTransaction, writeCount, rules.rediscoverOnReadonly());
  const command = isTransaction ? 'multi' : 'pipeline';
  return newJob(command, kind, wrapped(invoke, kind, rules.poolWrap(), wrap), true, wrap?.prefer);
}

/** The pool's wrap (durable writes) applied inside the caller's (a session's ROLE). */
function wrapped(
  invoke: Invoker,
  kind: JobKind,
  poolWrap: InvokerWrap | undefined,
  wrap: InvokerWrap | undefined,
): Invoker {
  const own = poolWrap ? poolWrap(invoke, kind) : invoke;
  return wrap ? wrap(own, kind) : own;
}
