/**
 * `WriteLease`: the shell of the write lease of one master group. Every third of a lease it asks
 * every sentinel at once (over the connections the client already holds) which master they name,
 * records the answers on a monotonic clock, and tells the master pool when the lease of the
 * current master lapses (`lapsed`: hold new writes, drop the sockets so that writes in flight
 * report maybeApplied) or is granted again (`renewed`). The decisions are lease-state.ts's.
 */
import { EventEmitter } from 'node:events';
import { debugFor } from '../debug.js';
import type { LeaseAnswer } from '../topology.js';
import {
  type Confirmation,
  decideLease,
  EMPTY_LEASE,
  type LeaseDecision,
  type LeaseState,
  leaseWarning,
  recordConfirmation,
} from './lease-state.js';

const log = debugFor('lease');

/** What the lease needs from the composition root. */
export interface WriteLeaseSettings {
  readonly name: string;
  readonly leaseMs: number;
  /** Asks every sentinel at once, each bounded by `timeoutMs`. */
  readonly ask: (timeoutMs: number) => Promise<{ answers: LeaseAnswer[]; sentinelCount: number }>;
  /** The master the pools write to now (`host:port`), if known. */
  readonly currentMaster: () => string | undefined;
  /** Reports a misconfiguration (the `error` event). */
  readonly warn: (message: string) => void;
}

/** Events of a {@link WriteLease}. */
export interface WriteLeaseEvents {
  lapsed: [];
  renewed: [];
}

/** The lease of one group's master. */
export class WriteLease extends EventEmitter<WriteLeaseEvents> {
  readonly #settings: WriteLeaseSettings;
  #state: LeaseState = EMPTY_LEASE;
  /** The master last found open and until when (a new answer may shorten it: poll drops it). */
  #open: { master: string; until: number } | undefined;
  #sentinelCount = 0;
  #isValid = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #isPolling = false;
  #hasWarned = false;
  #isClosed = false;

  constructor(settings: WriteLeaseSettings) {
    super();
    this.#settings = settings;
    this.#pollTimer = setInterval(() => void this.poll(), Math.max(1, Math.floor(settings.leaseMs / 3)));
    this.#pollTimer.unref?.();
    void this.poll();
  }

  /** Whether writes to `master` (`host:port`) may be sent now. */
  isOpenFor(master: string): boolean {
    // Every write asks: answer from the last decision while it holds, instead of recounting the
    // confirmations (arrays and a sort) per command. New answers drop it (see poll).
    const open = this.#open;
    if (open !== undefined && open.master === master && performance.now() < open.until) return true;
    const decision = this.#decide(master);
    this.#open = decision.isValid ? { master, until: decision.expiresAt } : undefined;
    return decision.isValid;
  }

  /** The decision for the current master now (for messages and status). */
  current(): LeaseDecision | undefined {
    const master = this.#settings.currentMaster();
    return master === undefined ? undefined : this.#decide(master);
  }

  #decide(master: string): LeaseDecision {
    return decideLease(this.#state, master, performance.now(), this.#settings.leaseMs, this.#sentinelCount);
  }

  /** One round of questions; a round still running is not doubled. */
  async poll(): Promise<void> {
    if (this.#isPolling || this.#isClosed) return;
    this.#isPolling = true;
    try {
      const { leaseMs, name } = this.#settings;
      // A sentinel's answer holds at some instant between question and answer: counting it from
      // when the question was sent (all at once) is the conservative choice, as Raft leases do.
      const askedAt = performance.now();
      const { answers, sentinelCount } = await this.#settings.ask(Math.max(1, Math.floor(leaseMs / 3)));
      if (this.#isClosed) return;
      this.#sentinelCount = sentinelCount;
      this.#open = undefined;
      for (const a of answers) {
        const confirmation: Confirmation = { ...a, at: askedAt };
        this.#state = recordConfirmation(this.#state, confirmation);
      }
      this.#checkWarning(answers);
      log('%s: %d of %d sentinels answered', name, answers.length, sentinelCount);
    } catch (error) {
      log('lease poll failed: %O', error);
    } finally {
      this.#isPolling = false;
    }
    this.#update();
  }

  /** Emits lapsed/renewed on a change, and arms a timer for the moment the lease lapses. */
  #update(): void {
    if (this.#isClosed) return;
    const decision = this.current();
    const isValid = decision?.isValid ?? false;
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (isValid && decision) {
      const inMs = Math.max(0, decision.expiresAt - performance.now());
      this.#expiryTimer = setTimeout(() => this.#update(), inMs + 1);
      this.#expiryTimer.unref?.();
    }
    if (isValid === this.#isValid) return;
    this.#isValid = isValid;
    log('%s: lease %s', this.#settings.name, isValid ? 'granted' : 'lapsed');
    this.emit(isValid ? 'renewed' : 'lapsed');
  }

  #checkWarning(answers: LeaseAnswer[]): void {
    if (this.#hasWarned || answers.length === 0) return;
    const downAfter = Math.min(...answers.map((a) => a.downAfterMs ?? Number.POSITIVE_INFINITY));
    if (!Number.isFinite(downAfter)) return;
    const roundTrip = Math.max(...answers.map((a) => a.roundTripMs));
    const warning = leaseWarning(this.#settings.leaseMs, roundTrip, downAfter);
    if (warning === undefined) return;
    this.#hasWarned = true;
    this.#settings.warn(`master group "${this.#settings.name}": ${warning}`);
  }

  /** Stops polling; no timer is left. */
  close(): void {
    this.#isClosed = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#expiryTimer);
    this.removeAllListeners();
  }
}
