/**
 * What a call on a pool becomes: a {@link Job} for its runner, or the error that refuses it
 * before anything is sent (a command that needs a connection of its own, a write to a replica).
 * The pool says what it refuses and how it wraps its commands ({@link JobRules}).
 */
import { classifyCommand, commandOf, isScriptCommand } from '../commands/command-info.js';
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
  const command = commandOf(method, args);
  const script = rules.script(command);
  const kind = script
    ? script.readOnly
      ? 'read'
      : 'write'
    : classifyCommand(command, method.startsWith('call') ? args.slice(1) : args);
  if (kind === 'dedicated') return new DedicatedConnectionRequiredError(command);
  const refused = rules.refuse(command, kind);
  if (refused) return refused;
  // A script may have written before it returned an error: never resent (see Job).
  const isResendable = script === undefined && !isScriptCommand(command);
  const poolWrap = rules.poolWrap();
  // Unwrapped (the common case), the job itself says what to call: no invoker closure.
  if (wrap === undefined && poolWrap === undefined) {
    return commandJob(command, kind, method, args, isResendable, replyOptionsOf(method, command, script));
  }
  const invoke = wrapped(invokerFor(method, args), kind, poolWrap, wrap);
  return newJob(command, kind, invoke, isResendable, wrap?.prefer);
}

/**
 * The reply options of a built-in command sent by its own method (`get`: strings, `getBuffer`:
 * Buffers); undefined for `call`/`callBuffer` (ioredis keeps the name as the caller spelt it)
 * and for Lua commands (ioredis's script method sends EVALSHA, then EVAL).
 */
function replyOptionsOf(
  method: string,
  command: string,
  script: ScriptDefinition | undefined,
): ReplyOptions | undefined {
  if (script !== undefined || method === 'call' || method === 'callBuffer') return undefined;
  // `command` is `method` without its `Buffer` suffix (commandOf).
  return method.length === command.length ? STRING_REPLIES : BUFFER_REPLIES;
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
