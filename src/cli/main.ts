#!/usr/bin/env node
/**
 * `sentinel-pool`: the command line of redis-sentinel-pool. Dispatches to a command and turns
 * its outcome into an exit code: usage errors print one line with a hint and exit 2.
 */
import { basename, relative } from 'node:path';
import { type CommandSpec, didYouMean, formatCommandList, formatHelp, UsageError } from './args.js';
import { DEMO_SPEC, runDemo } from './demo.js';
import { describeError, type Io, writeLine } from './output.js';
import { runStatus, STATUS_SPEC } from './status.js';
import { packageVersion } from './version.js';
import { runWatch, WATCH_SPEC } from './watch.js';

interface Command {
  readonly spec: CommandSpec;
  run(args: readonly string[], io: Io): Promise<number>;
}

const COMMANDS: readonly Command[] = [
  { spec: DEMO_SPEC, run: runDemo },
  { spec: STATUS_SPEC, run: runStatus },
  { spec: WATCH_SPEC, run: runWatch },
];

const BLURB =
  'A Redis Sentinel client for Node.js. "demo" shows it on a local topology (needs redis-server on PATH); "status" and "watch" look at your own sentinels.';

/** After the command ended, give output a moment to drain, then exit even if a handle lingers. */
const EXIT_GRACE_MS = 3000;

/** How the user runs us: `sentinel-pool` when installed, else `node <path>`. */
function programName(argv1: string | undefined): string {
  if (argv1 === undefined || basename(argv1) === 'sentinel-pool') return 'sentinel-pool';
  const path = relative(process.cwd(), argv1);
  return `node ${path.startsWith('..') ? argv1 : path}`;
}

function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

const VERSION_FLAGS = ['--version', '-V', 'version'];

function unknownCommand(name: string): UsageError {
  const names = COMMANDS.map((c) => c.spec.name);
  const guess = didYouMean(name, [...names, 'help', '--help', '--version']);
  return new UsageError(`unknown command "${name}"${guess}; commands: ${names.join(', ')}`);
}

async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined)
    throw new UsageError(`missing command (${COMMANDS.map((c) => c.spec.name).join(', ')})`);
  if (VERSION_FLAGS.includes(name)) {
    writeLine(io.stdout, packageVersion(process.argv[1]));
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.spec.name === args[0]) : undefined;
    io.stdout.write(
      topic
        ? formatHelp(io.program, topic.spec)
        : formatCommandList(
            io.program,
            COMMANDS.map((c) => c.spec),
            BLURB,
          ),
    );
    return 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) throw unknownCommand(name);
  if (wantsHelp(args)) {
    io.stdout.write(formatHelp(io.program, command.spec));
    return 0;
  }
  return command.run(args, io);
}

const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  program: programName(process.argv[1]),
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const where = error.command ? `${io.program} ${error.command}` : io.program;
      writeLine(io.stderr, `${where}: ${error.message} (see "${where} --help")`);
      process.exitCode = 2;
    } else {
      writeLine(io.stderr, `${io.program}: ${describeError(error)}`);
      process.exitCode = 1;
    }
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  },
);
