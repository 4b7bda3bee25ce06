/**
 * What one pool (or a group's managed master clients) did during a failover, for the
 * `failover` and `reaction` channels: when its hold started and ended, how many commands it
 * held, and when the first command was answered by the master that discovery announced.
 *
 * The owner calls it from the places that already react (one line each); it keeps only two
 * timestamps. The reaction needs to see answers, which is on the command path: the owner is
 * asked to watch answers (`watchAnswers(true)`) only while a reaction is awaited and someone
 * subscribes, and told to stop at the first answer from the new master.
 */
import { type Address, sameAddress } from '../address.js';
import { isReactionObserved, type ObservedKind, publishFailover, publishReaction } from './channels.js';

/** The hold and reaction of one pool; see the module comment. */
export class FailoverTrace {
  private holdStartedAt: number | undefined;
  private announced: { master: Address; at: number } | undefined;

  constructor(
    private readonly name: string,
    private readonly kind: ObservedKind,
    /** Turns the owner's answer watch on or off (see {@link answeredBy}). */
    private readonly watchAnswers: (isOn: boolean) => void = () => {},
  ) {}

  /** Commands are held from now on (idempotent while a hold runs). */
  holdStarted(): void {
    if (this.holdStartedAt !== undefined) return;
    this.holdStartedAt = performance.now();
    const { name, kind } = this;
    publishFailover(() => ({
      name,
      kind,
      phase: 'start',
      heldMs: undefined,
      heldCommands: undefined,
      endedBy: undefined,
    }));
  }

  /** The hold ended (nothing if none ran); `heldCommands` as the owner counted them. */
  holdEnded(endedBy: string, heldCommands: number | undefined): void {
    const startedAt = this.holdStartedAt;
    if (startedAt === undefined) return;
    this.holdStartedAt = undefined;
    const { name, kind } = this;
    const heldMs = performance.now() - startedAt;
    publishFailover(() => ({ name, kind, phase: 'end', heldMs, heldCommands, endedBy }));
  }

  /** Discovery announced a new master (not the first one it learned): the reaction clock starts. */
  masterAnnounced(master: Address, previous: Address | undefined): void {
    if (previous === undefined || !isReactionObserved()) return;
    this.announced = { master: { ...master }, at: performance.now() };
    this.watchAnswers(true);
  }

  /** A command was answered on a connection to `address` (called only while watching). */
  answeredBy(address: Address | undefined): void {
    const announced = this.announced;
    if (announced === undefined || !sameAddress(address, announced.master)) return;
    this.announced = undefined;
    this.watchAnswers(false);
    publishReaction(this.name, this.kind, announced.master, performance.now() - announced.at);
  }

  /** The owner closed: a hold in progress ends, no reaction is awaited any more. */
  close(): void {
    this.holdEnded('closed', undefined);
    if (this.announced) this.watchAnswers(false);
    this.announced = undefined;
  }
}
